#include "data/interactions.h"

#include "common/error.h"
#include "common/message_text.h"
#include "data/text_lines.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
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

// Ids are kept as text but compared as 64-bit integers in places: 18 digits always fit.
constexpr size_t kMaxIdDigits = 18;

bool isDigits(const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool isNumber(const std::string& s) {
    if (s.empty()) return false;
    char* end = nullptr;
    std::strtod(s.c_str(), &end);
    return end == s.c_str() + s.size();
}

// A time key must order events: "nan" and "inf" parse as numbers but order nothing.
bool isFiniteNumber(const std::string& s) { return isNumber(s) && std::isfinite(std::strtod(s.c_str(), nullptr)); }

// A field or line of the user's file inside a message: short, with no raw bytes.
std::string quoted(const std::string& text) { return "'" + quoteForMessage(text, 60) + "'"; }

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

void requireId(const TextLines& lines, const std::string& what, const std::string& value) {
    if (!isDigits(value)) throw Error(lines.where(), what + " " + quoted(value) + " is not a non-negative integer id");
    if (value.size() > kMaxIdDigits)
        throw Error(lines.where(), what + " " + quoted(value) + " has " + std::to_string(value.size()) +
                                       " digits; ids of at most 18 digits are supported");
}

void requireFiniteTime(const TextLines& lines, const std::string& what, const std::string& value) {
    if (!isNumber(value)) throw Error(lines.where(), what + " " + quoted(value) + " is not a number");
    if (!isFiniteNumber(value)) throw Error(lines.where(), what + " " + quoted(value) + " is not a finite number");
}

// One event before ordering: the user's file id, the item's file id, the time key.
struct Event {
    std::string user, item;
    double time = 0;
    int64_t order = 0;  // position in the file, breaks ties so sorting is stable
};

constexpr const char* kWhat = "an interactions file";

std::vector<Event> readSasRec(const std::string& path) {
    TextLines lines(path, kWhat);
    std::vector<Event> events;
    std::string line;
    while (lines.next(line)) {
        auto tokens = splitWhitespace(line);
        if (tokens.empty()) continue;
        if (tokens.size() < 2)
            throw Error(lines.where(), "expected 'user item' or 'user item1 item2 ...', found " + quoted(trim(line)));
        requireId(lines, "user id", tokens[0]);
        for (size_t i = 1; i < tokens.size(); ++i) {
            requireId(lines, "item id", tokens[i]);
            // The file order is the time order in this format.
            events.push_back({tokens[0], tokens[i], 0.0, static_cast<int64_t>(events.size())});
        }
    }
    return events;
}

std::vector<Event> readReChorus(const std::string& path) {
    TextLines lines(path, kWhat);
    std::string line;
    std::vector<std::string> header;
    while (lines.next(line)) {
        if (!trim(line).empty()) {
            header = splitOn(line, "\t");
            break;
        }
    }
    if (header.empty()) return {};
    auto column = [&](const std::string& name) -> size_t {
        auto it = std::find(header.begin(), header.end(), name);
        if (it == header.end())
            throw Error(lines.where(), "the header has no '" + name +
                                                  "' column (expected tab-separated user_id, item_id, time)");
        return static_cast<size_t>(it - header.begin());
    };
    const size_t userCol = column("user_id"), itemCol = column("item_id"), timeCol = column("time");
    const size_t needed = std::max({userCol, itemCol, timeCol}) + 1;
    std::vector<Event> events;
    while (lines.next(line)) {
        if (trim(line).empty()) continue;
        auto fields = splitOn(line, "\t");
        if (fields.size() < needed)
            throw Error(lines.where(), "expected " + std::to_string(header.size()) +
                                              " tab-separated fields, found " + std::to_string(fields.size()));
        requireId(lines, "user id", fields[userCol]);
        requireId(lines, "item id", fields[itemCol]);
        requireFiniteTime(lines, "time", fields[timeCol]);
        events.push_back({fields[userCol], fields[itemCol], std::stod(fields[timeCol]),
                          static_cast<int64_t>(events.size())});
    }
    return events;
}

std::vector<Event> readMovieLens(const std::string& path) {
    TextLines lines(path, kWhat);
    std::vector<Event> events;
    std::string line;
    while (lines.next(line)) {
        if (trim(line).empty()) continue;
        // ratings.dat uses "::", u.data uses tabs.
        auto fields = line.find("::") != std::string::npos ? splitOn(line, "::") : splitWhitespace(line);
        if (fields.size() != 4)
            throw Error(lines.where(), "expected 'user::item::rating::timestamp' or 'user<TAB>item<TAB>rating<TAB>timestamp', found " +
                                              std::to_string(fields.size()) + " fields");
        requireId(lines, "user id", fields[0]);
        requireId(lines, "item id", fields[1]);
        if (!isNumber(fields[2])) throw Error(lines.where(), "rating " + quoted(fields[2]) + " is not a number");
        requireFiniteTime(lines, "timestamp", fields[3]);
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
    TextLines lines(path, kWhat);
    std::string line;
    while (lines.next(line)) {
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
        throw Error(lines.where(), "cannot tell the interaction format from the first line " + quoted(t) +
                                       " (use --format sasrec|rechorus|movielens)");
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
