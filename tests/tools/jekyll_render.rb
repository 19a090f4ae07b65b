# What real Jekyll 4.3 (Debian's) shows for a site, built the way GitHub Pages builds it, robustly.
#
# Usage: ruby tests/tools/jekyll_render.rb SITE_DIR DEST_DIR [--theme THEME_DIR] [--time ISO] [--no-pages-defaults]
#
# Renders a temporary copy of SITE_DIR (the tree is never written to) into DEST_DIR and prints a JSON
# report on stdout: every post, page and collection document with its URL, output file and layout
# chain, the layouts Jekyll could not find for each, and what was stubbed or skipped on the way.
#
# Robust where plain `jekyll build --safe` stops on real trees:
# - no Bundler (a Gemfile is ignored); safe mode (no _plugins/); of the site's `plugins:`/`gems:` (and
#   the GitHub Pages default plugins) only those installed are loaded;
# - a Liquid tag no installed plugin defines ({% twitter %}, jekyll-scholar's {% cite %}) renders as
#   nothing; a missing include renders as nothing; a Liquid error leaves that text unrendered; a Sass
#   error gives an empty stylesheet; each is recorded in the report;
# - YAML symbols (`style: :expanded`) are read as the strings ":expanded", as upstream Jekyll does;
# - a theme gem or remote_theme that is not installed: pass its files with --theme (the site's own
#   files override the theme's, as Jekyll does); without it the theme is dropped and the pages whose
#   layouts it held are listed under `missing_layouts`.
require "jekyll"
require "json"
require "yaml"
require "tmpdir"
require "fileutils"

ENV["JEKYLL_NO_BUNDLER_REQUIRE"] = "true"

src = File.expand_path(ARGV[0] || abort("usage: jekyll_render.rb SITE_DIR DEST_DIR [--theme DIR]"))
dest = File.expand_path(ARGV[1] || abort("usage: jekyll_render.rb SITE_DIR DEST_DIR [--theme DIR]"))
theme_dir = (i = ARGV.index("--theme")) ? File.expand_path(ARGV[i + 1]) : nil
pages_defaults = !ARGV.include?("--no-pages-defaults")
build_time = (i = ARGV.index("--time")) ? ARGV[i + 1] : nil

REPORT = { "stub_tags" => Hash.new(0), "missing_includes" => [], "liquid_errors" => [], "sass_errors" => [],
           "render_errors" => [], "plugins" => [], "plugins_missing" => [], "theme" => nil,
           "theme_missing" => nil }

# --- YAML symbols, as in ../shared/jekyll-sites/tools/jekyll_urls.rb ------------------------------
def jk_unsym(v)
  case v
  when Symbol then ":#{v}"
  when Hash then v.each_with_object({}) { |(k, x), h| h[jk_unsym(k)] = jk_unsym(x) }
  when Array then v.map { |x| jk_unsym(x) }
  else v
  end
end

def jk_yaml(text)
  jk_unsym(YAML.safe_load(text, permitted_classes: [Date, Time, Symbol], aliases: true))
end

module Jekyll
  module Utils
    def safe_load_yaml(yaml)
      jk_yaml(yaml)
    end
  end
end

# --- Liquid tags that no installed plugin defines render as nothing ---------------------------------
class StubTag < Liquid::Tag
  def render(_context)
    ""
  end
end

module StubUnknownTags
  STRUCTURAL = %w[else elsif when end].freeze

  def [](name)
    found = super
    return found if found || STRUCTURAL.include?(name)
    return nil if name.start_with?("end") && key_known?(name[3..])

    REPORT["stub_tags"][name] += 1
    StubTag
  end

  def key_known?(name)
    any? { |known, _| known == name }
  end
end
Liquid::Template::TagRegistry.prepend(StubUnknownTags)

# --- a missing include renders as nothing -----------------------------------------------------------
module ForgivingInclude
  def render(context)
    super
  rescue IOError, Errno::ENOENT => e
    page = context.registers[:page]
    REPORT["missing_includes"] << { "page" => page && page["path"].to_s, "message" => e.message.lines.first.to_s.strip }
    ""
  end
end

# --- a Liquid error leaves the text unrendered; any other failure renders the document as nothing ----
module ForgivingRenderer
  def render_liquid(content, payload, info, path = nil)
    super
  rescue Exception => e # rubocop:disable Lint/RescueException -- Liquid raises non-StandardErrors too
    raise if e.is_a?(SystemExit) || e.is_a?(Interrupt)

    REPORT["liquid_errors"] << { "path" => (path || document.relative_path).to_s, "message" => e.message.to_s[0, 300] }
    content
  end

  def run
    super
  rescue StandardError => e
    REPORT["render_errors"] << { "path" => document.relative_path.to_s, "message" => "#{e.class}: #{e.message}"[0, 300] }
    ""
  end
end
Jekyll::Renderer.prepend(ForgivingRenderer)

# --- a Sass error gives an empty stylesheet ---------------------------------------------------------
module ForgivingSass
  def convert(content)
    super
  rescue StandardError => e
    REPORT["sass_errors"] << e.message.lines.first.to_s.strip[0, 300]
    ""
  end
end

# --- a theme from a folder, as if its gem were installed --------------------------------------------
module FolderTheme
  def root
    THEME_ROOTS.fetch(name) { super }
  end

  def version
    THEME_ROOTS.key?(name) ? Gem::Version.new("0") : super
  end

  def runtime_dependencies
    THEME_ROOTS.key?(name) ? [] : super
  end
end
THEME_ROOTS = {}
Jekyll::Theme.prepend(FolderTheme)

# GitHub Pages loads these for every site (github-pages' DEFAULT_PLUGINS, less those Debian lacks).
PAGES_DEFAULT_PLUGINS = %w[jekyll-gist jekyll-paginate jekyll-relative-links jekyll-optional-front-matter
                           jekyll-readme-index jekyll-default-layout jekyll-titles-from-headings].freeze

def installed?(gem_name)
  require gem_name
  true
rescue LoadError
  false
end

def gemspec_dependencies(dir)
  Dir[File.join(dir, "*.gemspec")].flat_map do |spec|
    File.read(spec).scan(/add_(?:runtime_)?dependency\s*\(?\s*["']([\w-]+)["']/).flatten
  end.reject { |n| n == "jekyll" }
end

def copy_site(src)
  tmp = Dir.mktmpdir("jekyll-render-")
  copy = File.join(tmp, "site")
  FileUtils.mkdir_p(copy)
  Dir.children(src).each do |child|
    next if %w[.git _site .jekyll-cache .sass-cache node_modules vendor].include?(child)

    FileUtils.cp_r(File.join(src, child), copy, preserve: false)
  end
  [tmp, copy]
end

def read_config(dir)
  path = File.join(dir, "_config.yml")
  File.exist?(path) ? (jk_yaml(File.read(path, encoding: "UTF-8")) || {}) : {}
end

def choose_theme(cfg, theme_dir)
  named = cfg["theme"].to_s.strip
  remote = cfg["remote_theme"].to_s.strip
  if theme_dir
    name = named.empty? ? "folder-theme" : named
    THEME_ROOTS[name.downcase] = File.realpath(theme_dir)
    REPORT["theme"] = { "name" => name, "folder" => theme_dir }
    return [name, remote.empty? ? gemspec_dependencies(theme_dir) : []]
  end
  return [named, []] if !named.empty? && installed_theme?(named)

  REPORT["theme_missing"] = named.empty? ? (remote.empty? ? nil : remote) : named
  REPORT["theme"] = { "name" => named, "gem" => true } unless named.empty? || REPORT["theme_missing"]
  [nil, []]
end

def installed_theme?(name)
  Gem::Specification.find_by_name(name)
  REPORT["theme"] = { "name" => name, "gem" => true }
  true
rescue Gem::LoadError
  false
end

def wanted_plugins(cfg, extra, pages_defaults)
  listed = Array(cfg["plugins"]) + Array(cfg["gems"]) + extra
  listed += PAGES_DEFAULT_PLUGINS if pages_defaults
  listed.map(&:to_s).uniq.partition { |g| installed?(g) }
end

def github_stub(cfg)
  url = cfg["url"].to_s.sub(%r{/\z}, "")
  return nil if url.empty?

  { "url" => url + cfg["baseurl"].to_s, "baseurl" => cfg["baseurl"].to_s }
end

def layout_chain(site, doc)
  chain = []
  name = doc.data["layout"]
  while name && !name.to_s.empty? && name.to_s != "none" && !chain.include?(name.to_s)
    chain << name.to_s
    layout = site.layouts[name.to_s]
    return [chain, name.to_s] unless layout

    name = layout.data["layout"]
  end
  [chain, nil]
end

def row(site, doc, kind, dest)
  chain, missing = layout_chain(site, doc)
  out = doc.destination(dest)
  { "path" => doc.relative_path.to_s, "url" => doc.url, "kind" => kind, "title" => doc.data["title"].to_s,
    "output" => out.start_with?(dest) ? out[(dest.length + 1)..] : out, "layouts" => chain,
    "missing_layout" => missing }
end

def page_kind(page)
  return "redirect" if page.data.key?("redirect_to") || page.class.name.to_s.include?("RedirectPage")
  return "archive" if page.class.name.to_s.start_with?("Jekyll::Archives")
  return "probe" if page.data["parity_probe"]

  "page"
end

# The site's chrome: for every layout a page uses (its own and those it is placed in), one empty page
# with that layout (under /__parity_chrome__/NAME/). The links and images on it are what every page with
# that layout shows whatever its own content: header, sidebar, footer, a layout's logo.
PROBE_DIR = "__parity_chrome__"
def add_chrome_probes(site)
  chains = (site.pages + site.documents).map { |d| layout_chain(site, d) }.reject { |_, m| m }
  chains.flat_map { |chain, _| chain }.uniq.sort.each do |name|
    probe = Jekyll::PageWithoutAFile.new(site, site.source, "#{PROBE_DIR}/#{name}", "index.html")
    probe.content = ""
    probe.data.merge!("layout" => name, "parity_probe" => true, "sitemap" => false)
    site.pages << probe
  end
end

# Every include tag (Jekyll's include, its OptimizedIncludeTag, include_relative, include_cached, …).
def forgive_includes
  Liquid::Template.tags.each do |_name, class_name|
    klass = class_name.is_a?(Class) ? class_name : Object.const_get(class_name.to_s)
    klass.prepend(ForgivingInclude) if klass <= Jekyll::Tags::IncludeTag && !(klass <= ForgivingInclude)
  rescue NameError
    next
  end
end

def render(src, dest, theme_dir, pages_defaults, build_time)
  tmp, copy = copy_site(src)
  cfg = read_config(copy)
  theme, theme_deps = choose_theme(cfg, theme_dir)
  plugins, missing = wanted_plugins(cfg, theme_deps, pages_defaults)
  REPORT["plugins"] = plugins
  REPORT["plugins_missing"] = missing
  overrides = {
    "source" => copy, "destination" => dest, "safe" => true, "quiet" => true, "disable_disk_cache" => true,
    "plugins" => plugins, "whitelist" => plugins, "theme" => theme,
    "exclude" => Array(cfg["exclude"]) + %w[vendor node_modules Gemfile Gemfile.lock]
  }
  conf = Jekyll.configuration(overrides)
  conf["theme"] = theme # Jekyll skips nil overrides: a theme that is not installed must go explicitly
  # A theme folder is the theme's repository: its _config.yml is the demo site's, which neither the gem
  # (it ships no _config.yml) nor jekyll-remote-theme brings.
  conf["ignore_theme_config"] = true if theme_dir
  conf.delete("remote_theme")
  conf["plugins"] = plugins
  conf.delete("gems")
  conf["time"] = build_time if build_time # site.time: "now" for future posts and {{ site.time }}
  conf["github"] ||= github_stub(cfg) if github_stub(cfg)
  kd = conf["kramdown"] ||= {}
  kd["math_engine"] = "mathjax"
  kd["syntax_highlighter"] ||= "rouge"
  site = Jekyll::Site.new(conf)
  forgive_includes
  Jekyll::Converters::Scss.prepend(ForgivingSass) if defined?(Jekyll::Converters::Scss)
  Jekyll::Hooks.register(:site, :pre_render) { |s, _| add_chrome_probes(s) }
  site.process
  report(site, dest, cfg)
ensure
  FileUtils.rm_rf(tmp) if tmp
end

def report(site, dest, cfg)
  now = site.time
  posts = site.posts.docs.select { |d| d.data["published"] != false && d.date <= now }
  docs = site.collections.reject { |l, _| l == "posts" }.flat_map { |l, c| c.docs.select(&:write?).map { |d| row(site, d, l, dest) } }
  pages = site.pages.map { |p| row(site, p, page_kind(p), dest) }
  REPORT.merge(
    "ok" => true, "url" => cfg["url"].to_s, "baseurl" => cfg["baseurl"].to_s,
    "posts" => posts.map { |d| row(site, d, "post", dest).merge("date" => d.date.iso8601) },
    "documents" => docs, "pages" => pages
  )
end

begin
  result = render(src, dest, theme_dir, pages_defaults, build_time)
rescue StandardError, ScriptError => e
  result = REPORT.merge("ok" => false, "error" => "#{e.class}: #{e.message}"[0, 1000],
                        "backtrace" => Array(e.backtrace).first(8))
end
puts JSON.pretty_generate(result)
