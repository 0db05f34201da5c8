#include "run_launcher.h"

#include "services/cli_run_job.h"

#ifdef CS_GUI_WITH_ENGINES
#include "craft/craft_job.h"
#include "sae/recsae_job.h"
#include "sae/user_item_concept.h"
#endif

cs::ui::RunLauncher makeEngineLauncher() {
    // Kinds without an in-process engine (the default build) run through concept-studio-cli.
    return [cliLauncher = cs::ui::makeCliRunLauncher()](const cs::ui::RunSpec& spec) -> std::unique_ptr<cs::jobs::Job> {
#ifdef CS_GUI_WITH_ENGINES
        // A sweep's shards are CLI runs wherever they go (ui/services/sweep_job.h).
        if (spec.isSweep()) return cliLauncher(spec);
        if (spec.kind == cs::ui::RunSpec::Kind::Craft)
            return std::make_unique<cs::craft::CraftJob>(spec.craft, std::make_shared<cs::craft::CraftJobOutput>());
        if (spec.kind == cs::ui::RunSpec::Kind::RecSae) return std::make_unique<cs::sae::RecSaeJob>(spec.recsae);
#endif
        return cliLauncher(spec);
    };
}

cs::ui::AblationLauncher makeAblationLauncher() {
#ifdef CS_GUI_WITH_ENGINES
    return [](const cs::ui::AblationRequest& request) {
        cs::sae::AblationRequest spec;
        spec.projectPath = request.projectPath.toStdString();
        spec.runId = request.runId;
        spec.latent = request.latent;
        spec.scale = request.scale;
        spec.topN = request.topN;
        // The engine owns the job it runs; keep the job alive for the result through a wrapper.
        auto job = std::make_shared<cs::sae::LatentAblationJob>(spec);
        cs::ui::LaunchedJob launched;
        launched.job = std::make_unique<cs::jobs::FunctionJob>(job->name(), [job](cs::jobs::JobContext& context) { job->run(context); });
        launched.resultJson = [job] { return QString::fromStdString(job->result().dump()); };
        return launched;
    };
#else
    // The default build: `concept-studio-cli ablate` as a job (ui/services/cli_run_job.h).
    return cs::ui::makeCliAblationLauncher();
#endif
}

cs::ui::UserConceptLauncher makeUserConceptLauncher() {
#ifdef CS_GUI_WITH_ENGINES
    return [](const cs::ui::UserConceptRequest& request) {
        cs::sae::UserItemConceptRequest spec;
        spec.projectPath = request.projectPath.toStdString();
        spec.runId = request.runId;
        spec.tag = request.tag.toStdString();
        for (const QString& id : request.itemIds) spec.itemIds.push_back(id.toStdString());
        spec.top = size_t(request.top);
        auto job = std::make_shared<cs::sae::UserItemConceptJob>(spec);
        cs::ui::LaunchedJob launched;
        launched.job = std::make_unique<cs::jobs::FunctionJob>(job->name(), [job](cs::jobs::JobContext& context) { job->run(context); });
        launched.resultJson = [job] { return QString::fromStdString(job->result().dump()); };
        return launched;
    };
#else
    // The default build: `concept-studio-cli user-concept` as a job (ui/services/cli_run_job.h).
    return cs::ui::makeCliUserConceptLauncher();
#endif
}
