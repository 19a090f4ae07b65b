# Print {source path: [url, output file]} for every post, page and output collection document, as Jekyll 4.3 reads them.
# Run by record_jekyll_urls.py in a temporary copy of a site; plugins and themes are off, nothing is rendered.
require "jekyll"
require "json"

overrides = { "source" => ARGV[0], "destination" => File.join(ARGV[0], "_site"), "plugins" => [], "quiet" => true,
              "future" => true, "unpublished" => true, "show_drafts" => true }
config = Jekyll.configuration(overrides)
config.delete("theme")  # a theme gem may not be installed, and gives no URLs
site = Jekyll::Site.new(config)
site.reset
site.read
urls = {}
documents = site.pages + site.collections.values.select(&:write?).flat_map(&:docs)
documents.each do |doc|
  next if doc.respond_to?(:write?) && !doc.write?
  dest = doc.destination(site.dest).delete_prefix(site.dest + "/")
  urls[doc.relative_path] = [doc.url, dest]
end
puts JSON.pretty_generate(urls.sort.to_h)
