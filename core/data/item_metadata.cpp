#include "data/item_metadata.h"

#include "common/error.h"
#include "common/message_text.h"
#include "data/text_lines.h"

#include <algorithm>
#include <map>

namespace cs::data {
namespace {

std::string trim(const std::string& s) {
    size_t b = 0, e = s.size();
    while (b < e && (s[b] == ' ' || s[b] == '\r' || s[b] == '\n')) ++b;
    while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\r' || s[e - 1] == '\n')) --e;
    return s.substr(b, e - b);
}

std::vector<std::string> split(const std::string& line, char sep) {
    std::vector<std::string> out;
    size_t start = 0;
    while (true) {
        size_t pos = line.find(sep, start);
        out.push_back(trim(line.substr(start, pos == std::string::npos ? std::string::npos : pos - start)));
        if (pos == std::string::npos) break;
        start = pos + 1;
    }
    return out;
}

}  // namespace

ItemMetadata loadItemMetadata(const std::string& path) {
    TextLines lines(path, "an item metadata file (TSV)");
    ItemMetadata meta;
    meta.path = path;
    std::string line;
    std::vector<std::string> header;
    while (lines.next(line)) {
        if (!trim(line).empty()) {
            header = split(trim(line), '\t');
            break;
        }
    }
    if (header.empty()) throw Error(path, "the item metadata file is empty");
    auto find = [&](const std::string& name) -> int {
        auto it = std::find(header.begin(), header.end(), name);
        return it == header.end() ? -1 : static_cast<int>(it - header.begin());
    };
    const int idCol = find("item_id");
    if (idCol < 0)
        throw Error(lines.where(),
                    "the header has no 'item_id' column (expected tab-separated item_id, optional title, "
                    "and one of genres, categories or tags)");
    const int titleCol = find("title");
    int attrCol = -1;
    for (const char* name : {"genres", "categories", "tags"}) {
        if (find(name) >= 0) {
            attrCol = find(name);
            meta.attributeColumn = name;
            break;
        }
    }
    if (attrCol < 0 && titleCol < 0)
        throw Error(lines.where(),
                    "the header has neither 'title' nor one of 'genres', 'categories', 'tags'");
    while (lines.next(line)) {
        if (trim(line).empty()) continue;
        auto fields = split(line, '\t');
        const std::string where = lines.where();
        if (fields.size() != header.size())
            throw Error(where, "expected " + std::to_string(header.size()) + " tab-separated fields, found " +
                                   std::to_string(fields.size()));
        const std::string& id = fields[idCol];
        if (id.empty() || !std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; }))
            throw Error(where, "item id '" + quoteForMessage(id, 60) + "' is not a non-negative integer id");
        if (meta.items.count(id)) throw Error(where, "item id " + id + " appears twice");
        ItemMetadata::Entry entry;
        if (titleCol >= 0) entry.title = fields[titleCol];
        if (attrCol >= 0 && !fields[attrCol].empty() && fields[attrCol] != "(no genres listed)") {
            for (auto& tag : split(fields[attrCol], '|'))
                if (!tag.empty()) entry.tags.push_back(tag);
        }
        meta.items.emplace(id, std::move(entry));
        meta.itemOrder.push_back(id);
    }
    if (meta.items.empty()) throw Error(path, "the item metadata file has a header but no items");
    return meta;
}

ItemAttributes alignItemMetadata(const ItemMetadata& metadata, const InteractionLog& log) {
    ItemAttributes attrs;
    std::map<std::string, int> tagIndex;
    for (const auto& [id, entry] : metadata.items)
        for (const auto& tag : entry.tags) tagIndex.emplace(tag, 0);
    for (auto& [tag, index] : tagIndex) {
        index = static_cast<int>(attrs.tagNames.size());
        attrs.tagNames.push_back(tag);
    }
    const size_t n = log.itemIds.size();
    attrs.itemTags.assign(n, {});
    attrs.titles.assign(n, "");
    std::unordered_map<std::string, int64_t> seen;
    for (size_t i = 1; i < n; ++i) seen.emplace(log.itemIds[i], static_cast<int64_t>(i));
    for (size_t i = 1; i < n; ++i) {
        auto it = metadata.items.find(log.itemIds[i]);
        if (it == metadata.items.end()) {
            ++attrs.itemsWithoutMetadata;
            continue;
        }
        attrs.titles[i] = it->second.title;
        for (const auto& tag : it->second.tags) attrs.itemTags[i].push_back(tagIndex.at(tag));
        std::sort(attrs.itemTags[i].begin(), attrs.itemTags[i].end());
        attrs.itemTags[i].erase(std::unique(attrs.itemTags[i].begin(), attrs.itemTags[i].end()),
                                attrs.itemTags[i].end());
    }
    for (const auto& id : metadata.itemOrder)
        if (!seen.count(id)) ++attrs.metadataItemsNeverSeen;
    if (attrs.itemsWithoutMetadata > 0)
        attrs.warnings.push_back(metadata.path + ": " + std::to_string(attrs.itemsWithoutMetadata) + " of " +
                                 std::to_string(n - 1) + " items in " + log.path + " have no metadata");
    if (attrs.metadataItemsNeverSeen > 0)
        attrs.warnings.push_back(metadata.path + ": " + std::to_string(attrs.metadataItemsNeverSeen) +
                                 " item(s) never appear in " + log.path);
    if (attrs.itemsWithoutMetadata == static_cast<int64_t>(n - 1))
        attrs.warnings.push_back(metadata.path + ": no item of " + log.path +
                                 " has metadata; latents get no tags (do the item ids match?)");
    return attrs;
}

}  // namespace cs::data
