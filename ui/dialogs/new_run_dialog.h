#pragma once
// NewRunDialog: starts a CRAFT run (vision model + images) or a RecSAE run (sequential
// recommender + interaction log). Files come from file dialogs or drag and drop; every
// parameter shows its default and a tooltip saying what it does. The dialog only describes the
// run (RunRequest); the application turns it into an engine job (see RunLauncher).
#include "jobs/job.h"

#include <QDialog>
#include <QString>

#include <functional>
#include <memory>

class QComboBox;
class QLineEdit;
class QSpinBox;
class QLabel;
class QTabWidget;
class QDialogButtonBox;

namespace cs::ui {

struct RunRequest {
    enum class Kind { Craft, RecSae } kind = Kind::Craft;
    QString projectPath;
    QString modelPath;
    QString adapter = QStringLiteral("auto");
    // CRAFT
    QString imagesPath;
    QString classSpec;
    QString layer;
    int concepts = 10;
    int patchSize = 64;
    int sobolDesigns = 32;
    QString recursiveLayers;  // comma-separated earlier probe points
    int maxImages = 0;        // 0 = every image of the class
    // RecSAE
    QString interactionsPath;
    QString format = QStringLiteral("auto");
    QString itemMetaPath;
    int expansion = 32;
    int k = 32;
    int epochs = 20;
    int seed = 0;

    QString displayName() const;
};

// Turns a request into an engine job; empty when this build has no engine for that kind.
// Throws cs::Error for a request the engine refuses before it starts.
using RunLauncher = std::function<std::unique_ptr<jobs::Job>(const RunRequest&)>;

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

class NewRunDialog : public QDialog {
    Q_OBJECT
public:
    explicit NewRunDialog(const QString& projectPath, QWidget* parent = nullptr);

    RunRequest request() const;
    // Empty when the request can be started; otherwise what is missing or wrong (naming the file).
    QString validate() const;
    void setKind(RunRequest::Kind kind);
    // What a drop of `path` would fill: "model", "images", "interactions", "item-meta" or "".
    QString acceptDroppedPath(const QString& path);

    QLineEdit* modelEdit() const { return model_; }
    QLineEdit* imagesEdit() const { return images_; }
    QLineEdit* classEdit() const { return class_; }
    QLineEdit* layerEdit() const { return layer_; }
    QLineEdit* interactionsEdit() const { return interactions_; }

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void accept() override;

private:
    QWidget* fileRow(QLineEdit* edit, const QString& caption, bool folderAllowed, const QString& filter);
    void refreshState();

    QString projectPath_;
    QTabWidget* tabs_;
    QLineEdit* model_;
    QComboBox* adapter_;
    QLineEdit* images_;
    QLineEdit* class_;
    QLineEdit* layer_;
    QSpinBox* concepts_;
    QSpinBox* patchSize_;
    QSpinBox* sobol_;
    QLineEdit* recursive_;
    QSpinBox* maxImages_;
    QLineEdit* interactions_;
    QComboBox* format_;
    QLineEdit* itemMeta_;
    QSpinBox* expansion_;
    QSpinBox* k_;
    QSpinBox* epochs_;
    QSpinBox* seed_;
    QLabel* problem_;
    QDialogButtonBox* buttons_;
};

}  // namespace cs::ui
