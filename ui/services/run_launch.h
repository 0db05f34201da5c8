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
#include <QStringList>

#include <functional>
#include <memory>

namespace cs::ui {

// Where the runs go and, for a sweep (docs/cluster.md), what varies from one run to the next:
// the New Run dialog's "Run on" group, the CRAFT class list and the RecSAE grid.
struct SweepSpec {
    enum class Executor { Local, Slurm } executor = Executor::Local;
    int parallel = 1;  // shards at once: -j here; on Slurm the array's %N (0 = no limit)
    // RecSAE grid lists such as "4,8"; empty: the run's single value. (The CRAFT class list is the
    // run's class field: "0-9", "Sneaker,Bag", "@classes.txt" or "all".)
    QString expansions, ks, seeds;
    QString partition, time, mem, account;  // Slurm; empty: the cluster's defaults
    int cpusPerTask = 0;                    // Slurm; 0: the cluster's default
};

struct RunSpec {
    enum class Kind { Craft, RecSae } kind = Kind::Craft;
    craft::CraftJobSpec craft;  // the run when kind is Craft
    sae::RecSaeOptions recsae;  // the run when kind is RecSae
    SweepSpec sweep;

    QString projectPath() const;
    // How the run panel names the job, e.g. "CRAFT Sneaker @ layer4 (model.pt)".
    QString displayName() const;
    // Whether this is a sweep of several runs (or runs on Slurm, which always goes through one):
    // more than one class, a RecSAE grid of more than one point, or the Slurm executor.
    bool isSweep() const;
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

// A user's own item concept for a stored RecSAE run (the SAE dashboard's "Your item concept"):
// the latents that fire for a tag of the item metadata or a list of item ids (docs/recsae.md).
struct UserConceptRequest {
    QString projectPath;
    qint64 runId = 0;
    QString tag;          // a tag, or
    QStringList itemIds;  // item ids as in the interaction file
    int top = 10;
};
using UserConceptLauncher = std::function<LaunchedJob(const UserConceptRequest&)>;

}  // namespace cs::ui
