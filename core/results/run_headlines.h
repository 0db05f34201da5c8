#pragma once
// The few figures that say how a run went, for the studio's project dashboard and the report's
// summary page: CRAFT (images, concepts, NMF error, deletion/insertion AUC against random orders)
// and RecSAE (latents, confident and dead latents, FVU, NDCG@10 of the model and through the SAE).
// Read from the run's stored summary; a figure the run did not record is left out.
#include "results/run_data.h"

#include <string>
#include <vector>

namespace cs::results {

struct Headline {
    std::string name, value;
};

std::vector<Headline> runHeadlines(const RunData& run);

}  // namespace cs::results
