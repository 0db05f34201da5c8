#include "data/interactions.h"

#include "common/error.h"
#include "common/input_file.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <sstream>
#include <unordered_map>

namespace cs::data {
namespace {

std::string trim(const std::string& s) {
    size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
    return s.substr(b, e - b);
}

bool isInteger(const std::string& s) {
    if (s.empty() || s.size() > 18) return false;
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool isNumber(const std::string& s) {
    if (s.empty()) return false;
    char* end = nullptr;
    std::strtod(s.c_str(), &end);
    return end == s.c_str() + s.size();
}

std::vector<std::string> splitWhitespace(const std::string& line) {
    std::vector<std::string> out;
    std::istringstream in(line);
    std::string token;
    while (in >> token) out.push_back(token);
    return out;
}

std::vector<std::string> splitOn(const std::string& line, const std::string& sep) {
    std::vector<std::string> out;
    size_t start = 0;
    while (true) {
        size_t pos = line.find(sep, start);
        if (pos == std::string::npos) {
            out.push_back(trim(line.substr(start)));
            break;
        }
        out.push_back(trim(line.substr(start, pos - start)));
        start = pos + sep.size();
    }
    return out;
}

std::string at(const std::string& path, int64_t line) { return path + ":" + std::to_string(line); }

void requireId(const std::string& path, int64_t line, const std::string& what, const std::string& value) {
    if (!isInteger(value))
        throw Error(at(path, line), what + " '" + value + "' is not a non-negative integer id");
}

// One event before ordering: the user's file id, the item's file id, the time key.
struct Event {
    std::string user, item;
    double time = 0;
    int64_t order = 0;  // position in the file, breaks ties so sorting is stable
};

std::ifstream openOrThrow(const std::string& path) {
    requireRegularFile(path, "an interactions file");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path, "cannot open the interactions file");
    return in;
}

std::vector<Event> readSasRec(const std::string& path) {
    auto in = openOrThrow(path);
    std::vector<Event> events;
    std::string line;
    int64_t lineNo = 0;
    while (std::getline(in, line)) {
        ++lineNo;
        auto tokens = splitWhitespace(line);
        if (tokens.empty()) continue;
        if (tokens.size() < 2)
            throw Error(at(path, lineNo), "expected 'user item' or 'user item1 item2 ...', found '" + trim(line) + "'");
        requireId(path, lineNo, "user id", tokens[0]);
        for (size_t i = 1; i < tokens.size(); ++i) {
            requireId(path, lineNo, "item id", tokens[i]);
            // The file order is the time order in this format.
            events.push_back({tokens[0], tokens[i], 0.0, static_cast<int64_t>(events.size())});
        }
    }
    return events;
}

std::vector<Event> readReChorus(const std::string& path) {
    auto in = openOrThrow(path);
    std::string line;
    int64_t lineNo = 0;
    std::vector<std::string> header;
    while (std::getline(in, line)) {
        ++lineNo;
        if (!trim(line).empty()) {
            header = splitOn(line, "\t");
            break;
        }
    }
    if (header.empty()) return {};
    auto column = [&](const std::string& name) -> size_t {
        auto it = std::find(header.begin(), header.end(), name);
        if (it == header.end())
            throw Error(at(path, lineNo), "the header has no '" + name +
                                                  "' column (expected tab-separated user_id, item_id, time)");
        return static_cast<size_t>(it - header.begin());
    };
    const size_t userCol = column("user_id"), itemCol = column("item_id"), timeCol = column("time");
    const size_t needed = std::max({userCol, itemCol, timeCol}) + 1;
    std::vector<Event> events;
    while (std::getline(in, line)) {
        ++lineNo;
        if (trim(line).empty()) continue;
        auto fields = splitOn(line, "\t");
        if (fields.size() < needed)
            throw Error(at(path, lineNo), "expected " + std::to_string(header.size()) +
                                              " tab-separated fields, found " + std::to_string(fields.size()));
        requireId(path, lineNo, "user id", fields[userCol]);
        requireId(path, lineNo, "item id", fields[itemCol]);
        if (!isNumber(fields[timeCol]))
            throw Error(at(path, lineNo), "time '" + fields[timeCol] + "' is not a number");
        events.push_back({fields[userCol], fields[itemCol], std::stod(fields[timeCol]),
                          static_cast<int64_t>(events.size())});
    }
    return events;
}

std::vector<Event> readMovieLens(const std::string& path) {
    auto in = openOrThrow(path);
    std::vector<Event> events;
    std::string line;
    int64_t lineNo = 0;
    while (std::getline(in, line)) {
        ++lineNo;
        if (trim(line).empty()) continue;
        // ratings.dat uses "::", u.data uses tabs.
        auto fields = line.find("::") != std::string::npos ? splitOn(line, "::") : splitWhitespace(line);
        if (fields.size() != 4)
            throw Error(at(path, lineNo), "expected 'user::item::rating::timestamp' or 'user<TAB>item<TAB>rating<TAB>timestamp', found " +
                                              std::to_string(fields.size()) + " fields");
        requireId(path, lineNo, "user id", fields[0]);
        requireId(path, lineNo, "item id", fields[1]);
        if (!isNumber(fields[2])) throw Error(at(path, lineNo), "rating '" + fields[2] + "' is not a number");
        if (!isNumber(fields[3])) throw Error(at(path, lineNo), "timestamp '" + fields[3] + "' is not a number");
        events.push_back({fields[0], fields[1], std::stod(fields[3]), static_cast<int64_t>(events.size())});
    }
    return events;
}

}  // namespace

const char* toString(InteractionFormat format) {
    switch (format) {
        case InteractionFormat::Auto: return "auto";
        case InteractionFormat::SasRec: return "sasrec";
        case InteractionFormat::ReChorus: return "rechorus";
        case InteractionFormat::MovieLens: return "movielens";
    }
    return "auto";
}

InteractionFormat interactionFormatFromString(const std::string& text) {
    if (text == "auto") return InteractionFormat::Auto;
    if (text == "sasrec") return InteractionFormat::SasRec;
    if (text == "rechorus") return InteractionFormat::ReChorus;
    if (text == "movielens") return InteractionFormat::MovieLens;
    throw UsageError("unknown interaction format '" + text + "' (expected auto, sasrec, rechorus or movielens)");
}

InteractionFormat detectInteractionFormat(const std::string& path) {
    auto in = openOrThrow(path);
    std::string line;
    while (std::getline(in, line)) {
        std::string t = trim(line);
        if (t.empty()) continue;
        if (t.find("::") != std::string::npos) return InteractionFormat::MovieLens;
        if (t.find("user_id") != std::string::npos) return InteractionFormat::ReChorus;
        auto tokens = splitWhitespace(t);
        // u.data: exactly four tab-separated numbers (user, item, rating, timestamp).
        if (t.find('\t') != std::string::npos && tokens.size() == 4 &&
            std::all_of(tokens.begin(), tokens.end(), isNumber))
            return InteractionFormat::MovieLens;
        if (tokens.size() >= 2) return InteractionFormat::SasRec;
        throw Error(path + ":1", "cannot tell the interaction format from the first line '" + t +
                                     "' (use --format sasrec|rechorus|movielens)");
    }
    throw Error(path, "the interactions file is empty");
}

int64_t InteractionLog::internalItem(const std::string& fileId) const {
    // Linear: used for a handful of look-ups (tests, messages), not in loops.
    for (size_t i = 1; i < itemIds.size(); ++i)
        if (itemIds[i] == fileId) return static_cast<int64_t>(i);
    return 0;
}

InteractionLog loadInteractions(const std::string& path, const InteractionLoadOptions& options) {
    InteractionLog log;
    log.path = path;
    log.format = options.format == InteractionFormat::Auto ? detectInteractionFormat(path) : options.format;

    std::vector<Event> events;
    switch (log.format) {
        case InteractionFormat::SasRec: events = readSasRec(path); break;
        case InteractionFormat::ReChorus: events = readReChorus(path); break;
        case InteractionFormat::MovieLens: events = readMovieLens(path); break;
        case InteractionFormat::Auto: break;
    }
    if (events.empty()) throw Error(path, "the interactions file has no interactions");

    std::unordered_map<std::string, int64_t> itemIndex;
    const bool fixedIds = !options.vocabulary.empty() || options.identityMaxItem > 0;
    if (!options.vocabulary.empty()) {
        log.itemIds = options.vocabulary;
        if (log.itemIds[0] != "") log.itemIds.insert(log.itemIds.begin(), "");
        for (size_t i = 1; i < log.itemIds.size(); ++i) itemIndex.emplace(log.itemIds[i], static_cast<int64_t>(i));
    } else if (options.identityMaxItem > 0) {
        log.itemIds.resize(options.identityMaxItem + 1);
        for (int64_t i = 1; i <= options.identityMaxItem; ++i) {
            log.itemIds[i] = std::to_string(i);
            itemIndex.emplace(log.itemIds[i], i);
        }
    }
    if (fixedIds) {
        const size_t before = events.size();
        // Ids may carry leading zeros in a file; compare numerically in identity mode.
        if (options.vocabulary.empty())
            for (auto& e : events) e.item = std::to_string(std::stoll(e.item));
        events.erase(std::remove_if(events.begin(), events.end(),
                                    [&](const Event& e) { return !itemIndex.count(e.item); }),
                     events.end());
        log.unknownItemInteractions = static_cast<int64_t>(before - events.size());
        if (log.unknownItemInteractions > 0)
            log.warnings.push_back(std::to_string(log.unknownItemInteractions) +
                                   " interaction(s) with items the model does not know were dropped");
        if (events.empty()) throw Error(path, "no item of the file is known to the model (do the item ids match?)");
    }

    // Per user in order of first appearance; time order within a user, file order on ties.
    std::vector<std::string> userOrder;
    std::unordered_map<std::string, std::vector<Event>> byUser;
    for (auto& e : events) {
        auto [it, inserted] = byUser.try_emplace(e.user);
        if (inserted) userOrder.push_back(e.user);
        it->second.push_back(e);
    }
    if (!fixedIds) log.itemIds.push_back("");
    int64_t dropped = 0;
    for (const auto& user : userOrder) {
        auto& list = byUser[user];
        if (static_cast<int>(list.size()) < options.minInteractionsPerUser) {
            ++log.usersDropped;
            log.interactionsDropped += static_cast<int64_t>(list.size());
            ++dropped;
            continue;
        }
        std::stable_sort(list.begin(), list.end(), [](const Event& a, const Event& b) {
            return a.time < b.time || (a.time == b.time && a.order < b.order);
        });
        std::vector<int64_t> seq;
        seq.reserve(list.size());
        for (const auto& e : list) {
            auto [it, inserted] = itemIndex.try_emplace(e.item, static_cast<int64_t>(log.itemIds.size()));
            if (inserted) log.itemIds.push_back(e.item);  // only in remapping mode (else all known)
            seq.push_back(it->second);
        }
        log.numInteractions += static_cast<int64_t>(seq.size());
        log.userIds.push_back(user);
        log.sequences.push_back(std::move(seq));
    }
    if (log.usersDropped > 0)
        log.warnings.push_back(std::to_string(log.usersDropped) + " user(s) with fewer than " +
                               std::to_string(options.minInteractionsPerUser) + " interactions dropped (" +
                               std::to_string(log.interactionsDropped) + " interactions)");
    if (log.sequences.empty())
        throw Error(path, "no user has at least " + std::to_string(options.minInteractionsPerUser) +
                              " interactions (needed for a leave-one-out split); " +
                              std::to_string(dropped) + " user(s) dropped");
    return log;
}

LeaveOneOutSplit leaveOneOut(const InteractionLog& log) {
    LeaveOneOutSplit split;
    for (const auto& seq : log.sequences) {
        if (seq.size() < 3) throw Error(log.path, "a user has fewer than 3 interactions; cannot split leave-one-out");
        split.train.emplace_back(seq.begin(), seq.end() - 2);
        split.valid.push_back(seq[seq.size() - 2]);
        split.test.push_back(seq.back());
    }
    return split;
}

}  // namespace cs::data
