#pragma once
// What the studio asks an engine to run, and the launchers that turn a request into a job.
// A run is described by the engines' own specs (craft/craft_spec.h, sae/recsae_job.h), so every
// option and its default is defined once, in core; RunSpec only adds which kind of run it is.
// The application picks the launchers (app/gui/run_launcher.h): in-process engines when linked,
// otherwise concept-studio-cli as a subprocess (app/cli_run_job.h).
#include "craft/craft_spec.h"
#include "jobs/job.h"
#include "sae/recsae_job.h"

#include <QString>

#include <functional>
#include <memory>

namespace cs::ui {

struct RunSpec {
    enum class Kind { Craft, RecSae } kind = Kind::Craft;
    craft::CraftJobSpec craft;  // the run when kind is Craft
    sae::RecSaeOptions recsae;  // the run when kind is RecSae

    QString projectPath() const;
    // How the run panel names the job, e.g. "CRAFT Sneaker @ layer4 (model.pt)".
    QString displayName() const;
};

// Turns a spec into an engine job; empty when this build has no engine for that kind.
// Throws cs::Error for a spec the engine refuses before it starts.
using RunLauncher = std::function<std::unique_ptr<jobs::Job>(const RunSpec&)>;

// Ablation or steering of one latent of a stored RecSAE run (the SAE dashboard's panel).
struct AblationRequest {
    QString projectPath;
    qint64 runId = 0;
    int latent = 0;
    double scale = 0.0;  // 0 = ablate; otherwise multiply the latent's activation
    int topN = 10;
};
struct LaunchedJob {
    std::unique_ptr<jobs::Job> job;
    std::function<QString()> resultJson;  // read once the job is done (on the UI thread)
};
using AblationLauncher = std::function<LaunchedJob(const AblationRequest&)>;

}  // namespace cs::ui
