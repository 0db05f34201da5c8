#pragma once
// Interaction logs for sequential recommenders (docs/cli.md): loaders for the `sasrec`,
// `rechorus` and `movielens` formats (and `auto` detection), id remapping to 1..n
// (0 = padding, as every recommender in the sequential convention expects), and the
// leave-one-out split (last item = test, second-to-last = validation).
//
// Ids in every format must be integers; a malformed line, a non-numeric id or an empty
// file is a cs::Error naming the file and the line. Users too short for the split are
// dropped and counted, not silently lost.
#include <cstdint>
#include <string>
#include <vector>

namespace cs::data {

enum class InteractionFormat { Auto, SasRec, ReChorus, MovieLens };
const char* toString(InteractionFormat format);
// Parses "auto", "sasrec", "rechorus", "movielens"; throws cs::UsageError otherwise.
InteractionFormat interactionFormatFromString(const std::string& text);
// Looks at the first non-empty line; throws cs::Error when no format fits.
InteractionFormat detectInteractionFormat(const std::string& path);

struct InteractionLoadOptions {
    InteractionFormat format = InteractionFormat::Auto;
    // Users with fewer interactions are dropped (3 = one training item + validation + test).
    int minInteractionsPerUser = 3;
    // How file item ids become internal ids. Empty vocabulary and identityMaxItem = 0: remap
    // to 1..n by first appearance. A vocabulary (index = internal id, [0] = "") maps ids the
    // way a trained model saw them (train-sasrec stores it as `item_ids`). identityMaxItem > 0:
    // the file's numeric id is the internal id (a user model indexed by raw ids). In both
    // cases interactions with items the model does not know are dropped and counted.
    std::vector<std::string> vocabulary;
    int64_t identityMaxItem = 0;
};

struct InteractionLog {
    std::string path;
    InteractionFormat format = InteractionFormat::Auto;  // the format actually read
    // itemIds[i] = the file's id of internal item i (i >= 1); itemIds[0] = "" (padding).
    std::vector<std::string> itemIds;
    std::vector<std::string> userIds;               // one per kept user
    std::vector<std::vector<int64_t>> sequences;    // per kept user, internal ids in time order
    int64_t numInteractions = 0;                    // kept interactions
    int64_t usersDropped = 0;                       // users below minInteractionsPerUser
    int64_t interactionsDropped = 0;                // their interactions
    int64_t unknownItemInteractions = 0;            // dropped: item outside the vocabulary
    std::vector<std::string> warnings;              // human-readable, e.g. dropped users

    int64_t numItems() const { return static_cast<int64_t>(itemIds.size()) - 1; }
    int64_t numUsers() const { return static_cast<int64_t>(sequences.size()); }
    // Internal id of a file item id, 0 when unknown.
    int64_t internalItem(const std::string& fileId) const;
};

InteractionLog loadInteractions(const std::string& path, const InteractionLoadOptions& options = {});

// Leave-one-out: for each user, train = all but the last two items, valid = second-to-last,
// test = last. Evaluation of "valid" uses train as history; of "test", train + valid.
struct LeaveOneOutSplit {
    std::vector<std::vector<int64_t>> train;
    std::vector<int64_t> valid;
    std::vector<int64_t> test;
};
LeaveOneOutSplit leaveOneOut(const InteractionLog& log);

}  // namespace cs::data
