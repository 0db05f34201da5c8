#include "run_launcher.h"

#include "app/cli_run_job.h"

#ifdef CS_GUI_WITH_ENGINES
#include "craft/craft_job.h"
#include "sae/recsae_job.h"
#endif

#include <QStringList>

cs::ui::RunLauncher makeEngineLauncher() {
    // Kinds without an in-process engine (the default build) run through concept-studio-cli.
    return [cliLauncher = cs::ui::makeCliRunLauncher()](const cs::ui::RunRequest& request) -> std::unique_ptr<cs::jobs::Job> {
#ifdef CS_GUI_WITH_ENGINES
        if (request.kind == cs::ui::RunRequest::Kind::Craft) {
            cs::craft::CraftJobSpec spec;
            spec.projectPath = request.projectPath.toStdString();
            spec.modelPath = request.modelPath.toStdString();
            spec.adapter = request.adapter.toStdString();
            spec.imagesPath = request.imagesPath.toStdString();
            spec.classSpec = request.classSpec.toStdString();
            spec.maxImages = request.maxImages;
            spec.options.layer = request.layer.toStdString();
            spec.options.concepts = request.concepts;
            spec.options.patchSize = request.patchSize;
            spec.options.sobolDesigns = request.sobolDesigns;
            spec.options.seed = uint64_t(request.seed);
            for (const QString& layer : request.recursiveLayers.split(QLatin1Char(','), Qt::SkipEmptyParts))
                spec.options.recursiveLayers.push_back(layer.trimmed().toStdString());
            return std::make_unique<cs::craft::CraftJob>(std::move(spec), std::make_shared<cs::craft::CraftJobOutput>());
        }
        if (request.kind == cs::ui::RunRequest::Kind::RecSae) {
            cs::sae::RecSaeOptions options;
            options.projectPath = request.projectPath.toStdString();
            options.modelPath = request.modelPath.toStdString();
            options.interactionsPath = request.interactionsPath.toStdString();
            options.format = request.format.toStdString();
            options.itemMetaPath = request.itemMetaPath.toStdString();
            options.sae.expansion = request.expansion;
            options.sae.k = request.k;
            options.sae.epochs = request.epochs;
            options.sae.seed = uint64_t(request.seed);
            return std::make_unique<cs::sae::RecSaeJob>(std::move(options));
        }
#endif
        return cliLauncher(request);
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
    // The default build: `concept-studio-cli ablate` as a job (ui/app/cli_run_job.h).
    return cs::ui::makeCliAblationLauncher();
#endif
}
