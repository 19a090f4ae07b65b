# Record how Jekyll 4.3 reads a `date:` written as text: Jekyll::Utils.parse_date (Ruby's Time.parse, then the
# site's zone). Usage: ruby tests/tools/record_jekyll_dates.rb   (needs Debian's `jekyll`, 4.3)
# Reads tests/data/jekyll_dates.tsv (zone, text) and rewrites its third column: the time Jekyll gives, or
# ERROR (Jekyll stops: "does not have a valid date") or CLOCK (Ruby fills in the build's own day or year).
# Each zone is read by a Ruby of its own started with TZ set, as Jekyll sets TZ from `timezone` at start.
require "jekyll"
require "time"

def reading(text)
  early = Time.parse(text, Time.at(0)) rescue nil
  late = Time.parse(text, Time.at(2**31)) rescue nil
  return "CLOCK" if early != late

  Jekyll::Utils.parse_date(text, "invalid").strftime("%Y-%m-%dT%H:%M:%S.%6N%:z")
rescue Jekyll::Errors::InvalidDateError
  "ERROR"
end

if ARGV[0] == "--texts"  # one zone's texts on stdin, one a line: their readings, one a line
  $stdin.each_line { |text| puts reading(text.chomp("\n")) }
  exit
end

path = File.expand_path("../data/jekyll_dates.tsv", __dir__)
lines = File.readlines(path, chomp: true)
rows = lines.reject { |line| line.start_with?("#") || line.strip.empty? }.map { |line| line.split("\t")[0, 2] }
found = {}
rows.group_by(&:first).each do |zone, group|
  texts = group.map(&:last)
  output = IO.popen({ "TZ" => zone }, ["ruby", __FILE__, "--texts"], "r+") do |io|
    io.write(texts.map { |t| t + "\n" }.join)
    io.close_write
    io.read.split("\n")
  end
  texts.zip(output).each { |text, result| found[[zone, text]] = result }
end
out = lines.map do |line|
  next line if line.start_with?("#") || line.strip.empty?
  zone, text = line.split("\t")
  [zone, text, found[[zone, text]]].join("\t")
end
File.write(path, out.join("\n") + "\n")
