#pragma once
// The embedded demo (`concept-studio-cli demo --out DIR`, docs/cli.md) as one engine call:
// prepares the demo models and data and runs both demo analyses into one project, then writes
// a report:
//   1. the demo CNN trained on Fashion-MNIST (cached after the first run),
//   2. CRAFT on its "Sneaker" test images at block3, with a concept tree down to block2,
//   3. synthetic recommendation data with planted tags, SASRec trained on it, RecSAE on SASRec,
//   4. DIR/report/report.html, and report.pdf when the caller can write PDFs.
// Each step is an ordinary engine job or call (CraftJob, trainSasRec, RecSaeJob, the HTML
// report). The project is assembled under a temporary name and renamed into place at the end,
// so an earlier DIR/demo.cstudio is only replaced by a complete one.
#include "jobs/job.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <string>

namespace cs::demo {

// Writes a report's Print-flavour HTML as a PDF. The PDF writer needs Qt, which core does not
// link, so the caller (the CLI) passes it in.
using PdfWriter = std::function<void(const std::string& printHtml, const std::string& pdfPath)>;

struct DemoOptions {
    std::string outDir;          // created if missing
    std::string cacheDir;        // where the trained demo CNN is cached; empty = defaultDemoCacheDir()
    int64_t craftImages = 100;   // Sneaker test images analysed by CRAFT
    bool skipRecsae = false;     // only the vision demo (faster)
    bool fresh = false;          // recompute even when DIR holds a finished demo of the same recipe
    PdfWriter writePdf;          // empty: no report.pdf
    // One-line notes for the user while the demo runs (the CLI prints them on stderr).
    std::function<void(const std::string& line)> note;
};

// $CS_DEMO_CACHE, else $XDG_CACHE_HOME/concept-studio/demo, else ~/.cache/concept-studio/demo,
// else a folder under the system's temporary directory.
std::string defaultDemoCacheDir();

// Runs the demo on the calling (engine) thread and returns its summary: vision_model, craft,
// sasrec and recsae (unless skipped), project, report, report_pdf (with a PDF writer),
// total_seconds and reused. Also writes DIR/craft.json, DIR/train-sasrec.json, DIR/recsae.json
// and the summary as DIR/demo-summary.json. When DIR already holds a finished demo made with
// the same options and studio version, returns its summary (reused = true) without
// recomputing, unless options.fresh.
// Throws cs::Error on failure and cs::Cancelled when the context is cancelled.
nlohmann::json runDemoPipeline(const DemoOptions& options, jobs::JobContext& context);

}  // namespace cs::demo
