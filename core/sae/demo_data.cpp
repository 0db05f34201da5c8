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

}  // namespace

DemoDataFiles generateDemoData(const std::string& outDir, uint64_t seed, const DemoDataOptions& o) {
    const int maxTags = static_cast<int>(sizeof(kTags) / sizeof(kTags[0]));
    if (o.numTags < 2 || o.numTags > maxTags) throw Error(outDir, "demo data needs 2 to 20 tags");
    if (o.numItems < o.numTags * 5) throw Error(outDir, "demo data needs at least 5 items per tag");
    if (o.minLength < 3 || o.maxLength < o.minLength) throw Error(outDir, "demo sequence lengths must be >= 3");
    std::error_code ec;
    std::filesystem::create_directories(outDir, ec);
    if (ec) throw Error(outDir, "cannot create the demo data folder: " + ec.message());

    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> unit(0.0, 1.0);

    // Catalogue: every item has a primary tag (round robin, so tags are balanced) and maybe one
    // more; few tags per item keep each tag's pool small enough to be predictable.
    std::vector<std::vector<int>> itemTags(o.numItems);
    std::vector<std::vector<int>> tagItems(o.numTags);
    for (int i = 0; i < o.numItems; ++i) {
        itemTags[i].push_back(i % o.numTags);
        const int extra = static_cast<int>(unit(rng) * 2.0);  // 0 or 1
        for (int e = 0; e < extra; ++e) {
            int t = static_cast<int>(rng() % o.numTags);
            if (std::find(itemTags[i].begin(), itemTags[i].end(), t) == itemTags[i].end()) itemTags[i].push_back(t);
        }
        for (int t : itemTags[i]) tagItems[t].push_back(i);
    }
    // Popularity: a mild Zipf over a random permutation, so popular items are spread over tags
    // and the popularity baseline does not dominate the tag signal.
    std::vector<int> rank(o.numItems);
    for (int i = 0; i < o.numItems; ++i) rank[i] = i;
    std::shuffle(rank.begin(), rank.end(), rng);
    std::vector<double> popularity(o.numItems);
    for (int i = 0; i < o.numItems; ++i) popularity[i] = 1.0 / std::pow(rank[i] + 50.0, 0.8);
    std::discrete_distribution<int> anyItem(popularity.begin(), popularity.end());
    std::vector<std::discrete_distribution<int>> itemOfTag;
    for (int t = 0; t < o.numTags; ++t) {
        std::vector<double> w;
        for (int i : tagItems[t]) w.push_back(popularity[i]);
        itemOfTag.emplace_back(w.begin(), w.end());
    }

    DemoDataFiles files;
    files.sasrec = (std::filesystem::path(outDir) / "interactions.txt").string();
    files.rechorus = (std::filesystem::path(outDir) / "interactions_rechorus.tsv").string();
    files.movielens = (std::filesystem::path(outDir) / "ratings.dat").string();
    files.itemMeta = (std::filesystem::path(outDir) / "item_meta.tsv").string();
    for (int t = 0; t < o.numTags; ++t) files.tagNames.push_back(kTags[t]);
    files.numItems = o.numItems;
    files.numUsers = o.numUsers;

    // File ids are offset from internal ones so that loaders must remap them.
    auto itemFileId = [](int i) { return 1001 + i; };
    {
        auto meta = openOut(files.itemMeta);
        meta << "item_id\ttitle\tgenres\n";
        for (int i = 0; i < o.numItems; ++i) {
            meta << itemFileId(i) << "\tThe " << kTagWords[itemTags[i][0]] << ' ' << kNouns[rng() % 10] << ' ' << i
                 << '\t';
            for (size_t k = 0; k < itemTags[i].size(); ++k) meta << (k ? "|" : "") << kTags[itemTags[i][k]];
            meta << '\n';
        }
    }
    auto sasrec = openOut(files.sasrec);
    auto rechorus = openOut(files.rechorus);
    auto movielens = openOut(files.movielens);
    rechorus << "user_id\titem_id\ttime\n";
    const int64_t baseTime = 1600000000;
    for (int u = 0; u < o.numUsers; ++u) {
        // Each user likes 2–3 tags and drifts between them (and occasionally anywhere).
        std::vector<int> favourites;
        const int nFav = 2 + static_cast<int>(rng() % 2);
        while (static_cast<int>(favourites.size()) < nFav) {
            int t = static_cast<int>(rng() % o.numTags);
            if (std::find(favourites.begin(), favourites.end(), t) == favourites.end()) favourites.push_back(t);
        }
        int current = favourites[rng() % favourites.size()];
        const int length = o.minLength + static_cast<int>(rng() % (o.maxLength - o.minLength + 1));
        std::unordered_set<int> seen;
        int64_t time = baseTime + static_cast<int64_t>(rng() % 10000000);
        for (int step = 0; step < length; ++step) {
            const double r = unit(rng);
            if (r < o.wanderTag) current = static_cast<int>(rng() % o.numTags);
            else if (r < o.wanderTag + o.switchTag) current = favourites[rng() % favourites.size()];
            int item = -1;
            for (int attempt = 0; attempt < 20; ++attempt) {
                int candidate = unit(rng) < o.followTag ? tagItems[current][itemOfTag[current](rng)] : anyItem(rng);
                if (!seen.count(candidate)) {
                    item = candidate;
                    break;
                }
            }
            if (item < 0) continue;  // the user has seen nearly everything of this tag
            seen.insert(item);
            time += 60 + static_cast<int64_t>(rng() % 7200);
            const int userId = u + 1;
            sasrec << userId << ' ' << itemFileId(item) << '\n';
            rechorus << userId << '\t' << itemFileId(item) << '\t' << time << '\n';
            movielens << userId << "::" << itemFileId(item) << "::" << (3 + rng() % 3) << "::" << time << '\n';
            ++files.numInteractions;
        }
    }
    if (!sasrec || !rechorus || !movielens) throw Error(outDir, "writing the demo data failed (disk full?)");
    return files;
}

}  // namespace cs::sae
