#pragma once
// A small but complete project written through ProjectStore, so the GUI tests and the
// documentation screenshots have data before (and independently of) the engines:
//   run "craft" done   : 6 concepts (2 with 3 sub-concepts each), 4 images, crops with
//                        coefficients, crop thumbnails, projection and implicit maps, a tree
//   run "craft" done   : the same concepts permuted and perturbed (for Compare runs)
//   run "recsae" done  : 48 latents with tags and quality, histograms, a latent hierarchy
//   run "craft" failed : with an error message
// The artifact kinds and metadata are the ones docs/user-guide.md ("What the views read") lists.
#include <QString>

#include <cstdint>

namespace cs::test {

struct FixtureRuns {
    int64_t craft = 0, craftB = 0, sae = 0, failed = 0;
};

// Creates `path` (which must not exist) and fills it. Throws cs::Error on failure.
FixtureRuns buildFixtureProject(const QString& path);

}  // namespace cs::test
