#pragma once
// SASRec (Kang & McAuley 2018) trained in LibTorch and saved as TorchScript in the
// sequential-recommender convention, so that recsae and the GUI load it like a user model.
//
// The network is a torch::jit::Module built from TorchScript source (LibTorch C++ cannot
// script a C++ nn::Module); training runs through that same module, so the saved file is
// exactly the trained network. Methods: encode(item_seq) -> B×d (last position, after the
// final layer norm), score(state) -> B×(n+1) (dot product with the item embeddings),
// encode_all(item_seq) -> B×L×d, forward = encode; attributes num_items, max_len, hidden.
#include "sae/recommender.h"

#include "data/interactions.h"

#include <string>
#include <vector>

namespace cs::jobs {
class JobContext;
}

namespace cs::sae {

struct SasRecConfig {
    int64_t hidden = 64;
    int64_t blocks = 2;
    int64_t maxLength = 50;
    double dropout = 0.2;
    double learningRate = 5e-3;
    int epochs = 40;           // upper bound; early stopping on validation NDCG@10
    int patience = 4;          // epochs without validation improvement before stopping
    int64_t batchSize = 64;
    uint64_t seed = 0;
};

struct SasRecResult {
    RankingMetrics valid, test, popularityTest;
    int epochsRun = 0, bestEpoch = 0;
    std::vector<double> trainLoss;  // per epoch
    double trainSeconds = 0, evalSeconds = 0, totalSeconds = 0;
    // Largest |encode difference| between the trained network and the saved file reloaded
    // (checked at save time; anything above 0 means the file is not the trained model).
    double reloadMaxDifference = 0;
};

// Trains on the leave-one-out split of `log` (train -> valid for early stopping, train+valid ->
// test reported) and saves the best epoch's model to outPath. context may be null.
SasRecResult trainSasRec(const data::InteractionLog& log, const std::string& outPath, const SasRecConfig& config,
                         jobs::JobContext* context = nullptr);

}  // namespace cs::sae
