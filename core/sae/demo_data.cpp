#include "sae/demo_data.h"

#include "common/error.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <unordered_set>

namespace cs::sae {
namespace {

const char* kTags[] = {"action",  "comedy",  "drama",   "horror",  "romance",   "sci-fi",  "documentary",
                       "animation", "thriller", "fantasy", "mystery", "western", "musical", "crime",
                       "war",     "family",  "sports",  "history", "noir",      "adventure"};
// One title word per tag, so title words carry the same concept as the tags.
const char* kTagWords[] = {"Explosion", "Laughs",   "Tears",   "Scream",  "Kiss",    "Galaxy", "Truth",
                           "Cartoon",   "Suspect",  "Dragon",  "Riddle",  "Saloon",  "Song",   "Heist",
                           "Battle",    "Home",     "Goal",    "Empire",  "Shadow",  "Quest"};
const char* kNouns[] = {"Night", "Day", "River", "City", "Road", "Story", "Game", "Return", "Secret", "Legacy"};

std::ofstream openOut(const std::string& path) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(path, "cannot write the demo data file");
    return out;
}

// File ids are offset from internal ones so that loaders must remap them.
int itemFileId(int item) { return 1001 + item; }

// Every item has a primary tag (round robin, so tags are balanced) and maybe one more; few
// tags per item keep each tag's pool small enough to be predictable.
struct Catalogue {
    std::vector<std::vector<int>> itemTags;  // per item
    std::vector<std::vector<int>> tagItems;  // per tag
};

Catalogue plantTags(const DemoDataOptions& o, std::mt19937_64& rng) {
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    Catalogue c;
    c.itemTags.resize(o.numItems);
    c.tagItems.resize(o.numTags);
    for (int i = 0; i < o.numItems; ++i) {
        c.itemTags[i].push_back(i % o.numTags);
        const int extra = static_cast<int>(unit(rng) * 2.0);  // 0 or 1
        for (int e = 0; e < extra; ++e) {
            int t = static_cast<int>(rng() % o.numTags);
            if (std::find(c.itemTags[i].begin(), c.itemTags[i].end(), t) == c.itemTags[i].end())
                c.itemTags[i].push_back(t);
        }
        for (int t : c.itemTags[i]) c.tagItems[t].push_back(i);
    }
    return c;
}

// Popularity: a mild Zipf over a random permutation, so popular items are spread over tags
// and the popularity baseline does not dominate the tag signal.
struct Popularity {
    std::discrete_distribution<int> anyItem;
    std::vector<std::discrete_distribution<int>> itemOfTag;  // index into the tag's items
};

Popularity drawPopularity(const DemoDataOptions& o, const Catalogue& catalogue, std::mt19937_64& rng) {
    std::vector<int> rank(o.numItems);
    for (int i = 0; i < o.numItems; ++i) rank[i] = i;
    std::shuffle(rank.begin(), rank.end(), rng);
    std::vector<double> popularity(o.numItems);
    for (int i = 0; i < o.numItems; ++i) popularity[i] = 1.0 / std::pow(rank[i] + 50.0, 0.8);
    Popularity p;
    p.anyItem = std::discrete_distribution<int>(popularity.begin(), popularity.end());
    for (int t = 0; t < o.numTags; ++t) {
        std::vector<double> w;
        for (int i : catalogue.tagItems[t]) w.push_back(popularity[i]);
        p.itemOfTag.emplace_back(w.begin(), w.end());
    }
    return p;
}

// item_id, title ("The <tag word> <noun> <n>"), genres (the item's tags).
void writeItemMetadata(const std::string& path, const DemoDataOptions& o, const Catalogue& catalogue,
                       std::mt19937_64& rng) {
    auto meta = openOut(path);
    meta << "item_id\ttitle\tgenres\n";
    for (int i = 0; i < o.numItems; ++i) {
        const auto& tags = catalogue.itemTags[i];
        meta << itemFileId(i) << "\tThe " << kTagWords[tags[0]] << ' ' << kNouns[rng() % 10] << ' ' << i << '\t';
        for (size_t k = 0; k < tags.size(); ++k) meta << (k ? "|" : "") << kTags[tags[k]];
        meta << '\n';
    }
}

// The same interactions in the three supported log formats.
struct LogWriters {
    std::ofstream sasrec, rechorus, movielens;
};

// One user's history: the user likes 2–3 tags and drifts between them (and occasionally
// anywhere), picking unseen items of the current tag. Returns the interactions written.
int64_t writeUser(int u, const DemoDataOptions& o, const Catalogue& catalogue, Popularity& popularity,
                  std::mt19937_64& rng, LogWriters& out) {
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    std::vector<int> favourites;
    const int nFav = 2 + static_cast<int>(rng() % 2);
    while (static_cast<int>(favourites.size()) < nFav) {
        int t = static_cast<int>(rng() % o.numTags);
        if (std::find(favourites.begin(), favourites.end(), t) == favourites.end()) favourites.push_back(t);
    }
    int current = favourites[rng() % favourites.size()];
    const int length = o.minLength + static_cast<int>(rng() % (o.maxLength - o.minLength + 1));
    std::unordered_set<int> seen;
    const int64_t baseTime = 1600000000;
    int64_t time = baseTime + static_cast<int64_t>(rng() % 10000000);
    int64_t written = 0;
    for (int step = 0; step < length; ++step) {
        const double r = unit(rng);
        if (r < o.wanderTag) current = static_cast<int>(rng() % o.numTags);
        else if (r < o.wanderTag + o.switchTag) current = favourites[rng() % favourites.size()];
        int item = -1;
        for (int attempt = 0; attempt < 20; ++attempt) {
            int candidate = unit(rng) < o.followTag ? catalogue.tagItems[current][popularity.itemOfTag[current](rng)]
                                                    : popularity.anyItem(rng);
            if (!seen.count(candidate)) {
                item = candidate;
                break;
            }
        }
        if (item < 0) continue;  // the user has seen nearly everything of this tag
        seen.insert(item);
        time += 60 + static_cast<int64_t>(rng() % 7200);
        const int userId = u + 1;
        out.sasrec << userId << ' ' << itemFileId(item) << '\n';
        out.rechorus << userId << '\t' << itemFileId(item) << '\t' << time << '\n';
        out.movielens << userId << "::" << itemFileId(item) << "::" << (3 + rng() % 3) << "::" << time << '\n';
        ++written;
    }
    return written;
}

DemoDataFiles demoFiles(const std::string& outDir, const DemoDataOptions& o) {
    DemoDataFiles files;
    files.sasrec = (std::filesystem::path(outDir) / "interactions.txt").string();
    files.rechorus = (std::filesystem::path(outDir) / "interactions_rechorus.tsv").string();
    files.movielens = (std::filesystem::path(outDir) / "ratings.dat").string();
    files.itemMeta = (std::filesystem::path(outDir) / "item_meta.tsv").string();
    for (int t = 0; t < o.numTags; ++t) files.tagNames.push_back(kTags[t]);
    files.numItems = o.numItems;
    files.numUsers = o.numUsers;
    return files;
}

}  // namespace

DemoDataFiles generateDemoData(const std::string& outDir, uint64_t seed, const DemoDataOptions& o) {
    const int maxTags = static_cast<int>(sizeof(kTags) / sizeof(kTags[0]));
    if (o.numTags < 2 || o.numTags > maxTags) throw Error(outDir, "demo data needs 2 to 20 tags");
    if (o.numItems < o.numTags * 5) throw Error(outDir, "demo data needs at least 5 items per tag");
    if (o.minLength < 3 || o.maxLength < o.minLength) throw Error(outDir, "demo sequence lengths must be >= 3");
    std::error_code ec;
    std::filesystem::create_directories(outDir, ec);
    if (ec) throw Error(outDir, "cannot create the demo data folder: " + ec.message());

    // One generator for everything, in this order, so the data is deterministic in (options, seed).
    std::mt19937_64 rng(seed);
    const Catalogue catalogue = plantTags(o, rng);
    Popularity popularity = drawPopularity(o, catalogue, rng);
    DemoDataFiles files = demoFiles(outDir, o);
    writeItemMetadata(files.itemMeta, o, catalogue, rng);
    LogWriters out{openOut(files.sasrec), openOut(files.rechorus), openOut(files.movielens)};
    out.rechorus << "user_id\titem_id\ttime\n";
    for (int u = 0; u < o.numUsers; ++u) files.numInteractions += writeUser(u, o, catalogue, popularity, rng, out);
    if (!out.sasrec || !out.rechorus || !out.movielens)
        throw Error(outDir, "writing the demo data failed (disk full?)");
    return files;
}

}  // namespace cs::sae
