#pragma once
// Item metadata for recommender analyses (docs/cli.md `--item-meta`): a tab-separated file
// whose header names `item_id`, optionally `title`, and one attribute column among `genres`,
// `categories` or `tags` with `|`-separated values. Aligned to an InteractionLog, it gives
// each internal item its tag indices and title; mismatches (metadata items never seen, seen
// items without metadata) are counted and reported as warnings, not errors.
#include "data/interactions.h"

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace cs::data {

struct ItemMetadata {
    std::string path;
    std::string attributeColumn;  // genres | categories | tags ("" when the file has none)
    struct Entry {
        std::string title;
        std::vector<std::string> tags;
    };
    std::unordered_map<std::string, Entry> items;  // by the file's item id
    std::vector<std::string> itemOrder;            // file order, for deterministic output
};

ItemMetadata loadItemMetadata(const std::string& path);

// Metadata re-indexed by internal item id (index 0 = padding, no tags).
struct ItemAttributes {
    std::vector<std::string> tagNames;         // sorted, unique
    std::vector<std::vector<int>> itemTags;    // per internal item: indices into tagNames
    std::vector<std::string> titles;           // per internal item ("" when unknown)
    int64_t itemsWithoutMetadata = 0;          // seen in the log, absent from the metadata
    int64_t metadataItemsNeverSeen = 0;        // in the metadata, absent from the log
    std::vector<std::string> warnings;
    bool empty() const { return tagNames.empty(); }
};

ItemAttributes alignItemMetadata(const ItemMetadata& metadata, const InteractionLog& log);

}  // namespace cs::data
