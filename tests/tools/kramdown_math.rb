#!/usr/bin/env ruby
# frozen_string_literal: true
#
# kramdown_math.rb - record every math element kramdown finds in Jekyll posts.
#
# Usage:
#   ruby tests/tools/kramdown_math.rb [-o OUTDIR] POST.md [POST.md ...]
#
# For each post (expected at .../<owner__repo>/<file>.md):
#   * the YAML front matter is split off with Jekyll's own regular expression
#     (Jekyll::Document::YAML_FRONT_MATTER_REGEXP); Liquid is NOT run;
#   * the body is parsed with kramdown exactly as GitHub Pages configures it
#     (Jekyll defaults + github-pages defaults/overrides, see KRAMDOWN_OPTIONS);
#   * every :math element is collected in output order and written to
#     OUTDIR/<owner__repo>__<file stem>.json (default OUTDIR: tests/data/kramdown_math):
#       {"source": "<owner__repo>/<file>", "kramdown": "<version>",
#        "math": [{"tex": ..., "display": true|false, "line": N}, ...]}
#     "tex" is el.value (kramdown strips surrounding whitespace of the $$ content);
#     "line" is el.options[:location], 1-based and relative to the BODY (the line
#     after the closing front-matter "---"), which is what kramdown sees.
#     Math inside footnote definitions is listed after the main text, in the
#     order the HTML converter emits footnotes (first reference), once per footnote.
#
# Diagnostics (stderr, never in the JSON): kramdown warnings, "$$" inside
# Liquid {% raw %}/{% highlight %}/{% comment %} regions (where Liquid and a
# Liquid-less kramdown run could disagree), "$$" kept literal inside code
# blocks / code spans / raw HTML / text, and a consistency check against
# kramdown's own HTML output (mathjax engine: \[...\] and \(...\)).

require 'json'
require 'optparse'
require 'kramdown'
require 'kramdown-parser-gfm'

# Jekyll 3.x/4.x lib/jekyll/configuration.rb DEFAULTS["kramdown"], merged with
# github-pages lib/github-pages/configuration.rb DEFAULTS and OVERRIDES, plus what
# Jekyll's KramdownParser#setup adds (syntax_highlighter_opts). gfm_quirks is left
# at the kramdown-parser-gfm default ([:paragraph_end]), as on GitHub Pages.
KRAMDOWN_OPTIONS = {
  'input' => 'GFM',
  'hard_wrap' => false,
  'auto_ids' => true,
  'footnote_nr' => 1,
  'entity_output' => 'as_char',
  'toc_levels' => '1..6',
  'smart_quotes' => 'lsquo,rsquo,ldquo,rdquo',
  'template' => '',
  'math_engine' => 'mathjax',
  'syntax_highlighter' => 'rouge',
  'syntax_highlighter_opts' => { 'default_lang' => nil, 'guess_lang' => nil },
}.freeze

# Jekyll::Document::YAML_FRONT_MATTER_REGEXP
YAML_FRONT_MATTER_REGEXP = /\A(---\s*\n.*?\n?)^((---|\.\.\.)\s*$\n?)/m.freeze

LIQUID_BLOCK_RE = /\{%-?\s*(raw|highlight|comment)\b.*?-?%\}(.*?)\{%-?\s*end\1\s*-?%\}/m.freeze

def split_front_matter(text)
  if (m = YAML_FRONT_MATTER_REGEXP.match(text))
    [m.post_match, m[0].count("\n")]
  else
    [text, 0]
  end
end

# Walk the tree in output order. Footnote contents hang off :footnote markers
# (el.value) rather than the tree; collect them and walk them afterwards.
def collect_math(root)
  math = []
  footnotes = []
  seen = {}
  other = Hash.new { |h, k| h[k] = [] } # literal "$$" kept in non-math elements

  walk = lambda do |el|
    case el.type
    when :math
      math << { 'tex' => el.value, 'display' => el.options[:category] == :block,
                'line' => el.options[:location] }
    when :footnote
      unless seen[el.value.object_id]
        seen[el.value.object_id] = true
        footnotes << el.value
      end
    when :text, :codespan, :codeblock, :raw, :comment, :xml_comment, :xml_pi, :html_element
      v = el.type == :html_element ? el.attr.values.join(' ') : el.value
      n = v.is_a?(String) ? v.scan('$$').size : 0
      other[el.type] << [el.options[:location], n] if n.positive?
    end
    el.children.each { |c| walk.call(c) }
  end

  walk.call(root)
  i = 0
  while i < footnotes.size # footnotes may reference further footnotes
    walk.call(footnotes[i])
    i += 1
  end
  [math, other, footnotes.size]
end

def liquid_checks(body, math, label)
  notes = []
  body.to_enum(:scan, LIQUID_BLOCK_RE).each do
    m = Regexp.last_match
    first = body[0...m.begin(0)].count("\n") + 1
    last = first + m[0].count("\n")
    next unless m[0].include?('$$')

    inside = math.select { |x| x['line'] && x['line'].between?(first, last) }
    notes << "#{label}: note: '$$' inside {% #{m[1]} %} block, body lines #{first}-#{last}; " \
             "#{inside.size} kramdown math element(s) start there" \
             "#{inside.empty? ? '' : ' (Liquid-less kramdown and Jekyll DISAGREE)'}"
  end
  notes << "#{label}: note: body contains '{{' or '{%' inside math" if math.any? { |x| x['tex'] =~ /\{\{|\{%/ }
  notes
end

HTML_ESCAPE = { '<' => '&lt;', '>' => '&gt;', '&' => '&amp;' }.freeze

# Self-check: every recorded element must appear in kramdown's own HTML output,
# rendered by the mathjax engine as \[tex\] (block) or \(tex\) (span), with &<> escaped.
def html_check(doc, math, label)
  html = doc.to_html
  problems = []
  math.each do |x|
    esc = x['tex'].gsub(/[<>&]/, HTML_ESCAPE)
    want = x['display'] ? "\\[#{esc}\\]" : "\\(#{esc}\\)"
    problems << "#{label}: WARNING: not found in HTML output: #{want[0, 60]}" unless html.include?(want)
  end
  extra = html.scan(/\\\(|\\\[/).size - math.size
  if extra.positive?
    problems << "#{label}: note: HTML has #{extra} more '\\(' / '\\[' than math elements " \
                '(text escapes such as \\\\( -> \\(, or raw HTML; not kramdown math)'
  end
  problems
end

# Self-check: every "$$" in the body is either a math delimiter (2 per element) or
# kept literally in some element (code, raw HTML, text after an escape).
def dollar_check(body, math, other_counts, label)
  in_body = body.scan('$$').size
  accounted = 2 * math.size + other_counts
  return [] if in_body == accounted

  ["#{label}: WARNING: body has #{in_body} '$$', accounted for #{accounted} " \
   "(#{math.size} math x 2 + #{other_counts} literal)"]
end

outdir = File.expand_path('../data/kramdown_math', __dir__)
OptionParser.new do |o|
  o.banner = 'Usage: kramdown_math.rb [-o OUTDIR] POST.md...'
  o.on('-o', '--outdir DIR', 'output directory') { |d| outdir = File.expand_path(d) }
end.parse!
abort 'no input files' if ARGV.empty?

Dir.mkdir(outdir) unless Dir.exist?(outdir)
versions = "kramdown #{Kramdown::VERSION}, kramdown-parser-gfm #{Kramdown::Parser::GFM::VERSION}, ruby #{RUBY_VERSION}"
warn "# #{versions}"

ARGV.each do |path|
  file = File.basename(path)
  repo = File.basename(File.dirname(File.expand_path(path)))
  source = "#{repo}/#{file}"
  # Jekyll reads with encoding "bom|utf-8".
  text = File.read(path, mode: 'r:bom|utf-8')
  body, fm_lines = split_front_matter(text)

  doc = Kramdown::Document.new(body, KRAMDOWN_OPTIONS)
  math, other, n_fn = collect_math(doc.root)

  doc.warnings.each { |w| warn "#{source}: kramdown warning: #{w}" }
  liquid_checks(body, math, source).each { |n| warn n }
  other.each do |type, hits|
    warn "#{source}: note: #{hits.sum(&:last)} literal '$$' kept in #{hits.size} :#{type} element(s), " \
         "body lines #{hits.map(&:first).compact.uniq.join(',')}"
  end
  html_check(doc, math, source).each { |n| warn n }
  dollar_check(body, math, other.values.flatten(1).sum(&:last), source).each { |n| warn n }

  out = File.join(outdir, "#{repo}__#{File.basename(file, '.*')}.json")
  data = { 'source' => source, 'kramdown' => Kramdown::VERSION, 'math' => math }
  json = JSON.pretty_generate(data)
  json = json.sub(/"math": \[\s*\]/, '"math": []') if math.empty? # json < 2.7 prints "[\n\n  ]"
  File.write(out, json + "\n", mode: 'w:utf-8')
  nd = math.count { |x| x['display'] }
  warn format('%-70s %3d math (%d display, %d inline); front matter %d lines; %d footnote(s)',
              source, math.size, nd, math.size - nd, fm_lines, n_fn)
end
