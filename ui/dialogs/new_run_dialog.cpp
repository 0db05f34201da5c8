#include "dialogs/new_run_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMimeData>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QVBoxLayout>

namespace cs::ui {

QString RunRequest::displayName() const {
    if (kind == Kind::Craft)
        return QStringLiteral("CRAFT %1 @ %2 (%3)").arg(classSpec, layer, QFileInfo(modelPath).fileName());
    return QStringLiteral("RecSAE %1 on %2").arg(QFileInfo(modelPath).fileName(), QFileInfo(interactionsPath).fileName());
}

namespace {
QSpinBox* spin(QWidget* parent, int min, int max, int value, const QString& tip) {
    auto* box = new QSpinBox(parent);
    box->setRange(min, max);
    box->setValue(value);
    box->setToolTip(tip);
    return box;
}

bool looksLikeInteractions(const QFileInfo& info) {
    const QString suffix = info.suffix().toLower();
    return suffix == QLatin1String("dat") || suffix == QLatin1String("inter") || suffix == QLatin1String("data") ||
           suffix == QLatin1String("csv") || info.fileName() == QLatin1String("u.data");
}
}  // namespace

NewRunDialog::NewRunDialog(const QString& projectPath, QWidget* parent) : QDialog(parent), projectPath_(projectPath) {
    setWindowTitle(tr("New Run"));
    setAcceptDrops(true);
    auto* layout = new QVBoxLayout(this);
    auto* common = new QFormLayout;
    model_ = new QLineEdit(this);
    model_->setObjectName(QStringLiteral("modelPath"));
    model_->setToolTip(tr("A TorchScript model (.pt) following a studio convention or handled by a plugin.\n"
                          "You can also drop the file onto this dialog."));
    adapter_ = new QComboBox(this);
    adapter_->addItems({QStringLiteral("auto"), QStringLiteral("split-module"), QStringLiteral("torchvision"),
                        QStringLiteral("sequential-recommender")});
    adapter_->setEditable(true);
    adapter_->setToolTip(tr("How the studio reads the model: 'auto' tries the built-in conventions, then the plugins"));
    common->addRow(tr("Model"), fileRow(model_, tr("Choose a model"), false, tr("TorchScript models (*.pt *.pth *.ptl);;All files (*)")));
    common->addRow(tr("Adapter"), adapter_);
    layout->addLayout(common);

    tabs_ = new QTabWidget(this);
    auto* craft = new QWidget(tabs_);
    auto* craftForm = new QFormLayout(craft);
    images_ = new QLineEdit(craft);
    images_->setObjectName(QStringLiteral("imagesPath"));
    images_->setToolTip(tr("A folder of images (flat, or one sub-folder per class) or an IDX file (MNIST format, gzipped or not)"));
    class_ = new QLineEdit(craft);
    class_->setPlaceholderText(tr("e.g. Sneaker or 7"));
    class_->setToolTip(tr("The class to explain, by name or index; CRAFT fits one concept bank per class"));
    layer_ = new QLineEdit(craft);
    layer_->setPlaceholderText(tr("a probe point of the model, e.g. layer4"));
    layer_->setToolTip(tr("Where the model is split into g (input → activations) and h (activations → logits)"));
    concepts_ = spin(craft, 2, 64, 10, tr("Number of concepts r of the NMF (default 10; the reference code uses 20)"));
    patchSize_ = spin(craft, 8, 512, 64, tr("Side of the square crops in input pixels (default 64, stride 0.8 × size)"));
    sobol_ = spin(craft, 8, 1024, 32, tr("Sobol design points per image: cost is designs × (r + 2) evaluations of h (default 32)"));
    recursive_ = new QLineEdit(craft);
    recursive_->setPlaceholderText(tr("optional, e.g. layer3,layer2"));
    recursive_->setToolTip(tr("Earlier probe points for recursive CRAFT: each concept is decomposed into sub-concepts there"));
    maxImages_ = spin(craft, 0, 100000, 0, tr("At most this many images of the class (0 = all)"));
    craftForm->addRow(tr("Images"), fileRow(images_, tr("Choose images"), true, tr("IDX files (*.idx *-ubyte *.gz);;All files (*)")));
    craftForm->addRow(tr("Class"), class_);
    craftForm->addRow(tr("Layer"), layer_);
    craftForm->addRow(tr("Concepts"), concepts_);
    craftForm->addRow(tr("Patch size"), patchSize_);
    craftForm->addRow(tr("Sobol designs"), sobol_);
    craftForm->addRow(tr("Recursive layers"), recursive_);
    craftForm->addRow(tr("Max images"), maxImages_);
    tabs_->addTab(craft, tr("CRAFT (vision)"));

    auto* sae = new QWidget(tabs_);
    auto* saeForm = new QFormLayout(sae);
    interactions_ = new QLineEdit(sae);
    interactions_->setObjectName(QStringLiteral("interactionsPath"));
    interactions_->setToolTip(tr("The interaction log: sasrec lines, a RecBole/ReChorus .inter file, or MovieLens ratings"));
    format_ = new QComboBox(sae);
    format_->addItems({QStringLiteral("auto"), QStringLiteral("sasrec"), QStringLiteral("rechorus"), QStringLiteral("movielens")});
    format_->setToolTip(tr("Format of the interaction log; 'auto' recognises it from its content"));
    itemMeta_ = new QLineEdit(sae);
    itemMeta_->setToolTip(tr("Optional tab-separated item metadata (item_id, title, genres|categories|tags) that names the latents"));
    expansion_ = spin(sae, 1, 256, 32, tr("Latents = state size × expansion (default 32)"));
    k_ = spin(sae, 1, 1024, 32, tr("Active latents per state: TopK sparsity (default 32)"));
    epochs_ = spin(sae, 1, 1000, 20, tr("Passes over the recommender's states while training the SAE"));
    itemMeta_->setObjectName(QStringLiteral("itemMetaPath"));
    expansion_->setObjectName(QStringLiteral("expansion"));
    k_->setObjectName(QStringLiteral("k"));
    epochs_->setObjectName(QStringLiteral("saeEpochs"));
    saeForm->addRow(tr("Interactions"), fileRow(interactions_, tr("Choose an interaction log"), false, tr("All files (*)")));
    saeForm->addRow(tr("Format"), format_);
    saeForm->addRow(tr("Item metadata"), fileRow(itemMeta_, tr("Choose item metadata"), false, tr("Tab-separated (*.tsv *.txt *.csv);;All files (*)")));
    saeForm->addRow(tr("Expansion"), expansion_);
    saeForm->addRow(tr("k"), k_);
    saeForm->addRow(tr("Epochs"), epochs_);
    tabs_->addTab(sae, tr("RecSAE (recommender)"));
    layout->addWidget(tabs_);

    auto* bottom = new QFormLayout;
    seed_ = spin(this, 0, 1 << 30, 0, tr("Random seed: the same seed and inputs give the same run"));
    bottom->addRow(tr("Seed"), seed_);
    layout->addLayout(bottom);
    problem_ = new QLabel(this);
    problem_->setWordWrap(true);
    problem_->setStyleSheet(QStringLiteral("color: #c33;"));
    layout->addWidget(problem_);
    buttons_ = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons_->button(QDialogButtonBox::Ok)->setText(tr("Start"));
    layout->addWidget(buttons_);
    connect(buttons_, &QDialogButtonBox::accepted, this, &NewRunDialog::accept);
    connect(buttons_, &QDialogButtonBox::rejected, this, &NewRunDialog::reject);
    for (QLineEdit* edit : {model_, images_, class_, layer_, interactions_, itemMeta_})
        connect(edit, &QLineEdit::textChanged, this, &NewRunDialog::refreshState);
    connect(tabs_, &QTabWidget::currentChanged, this, &NewRunDialog::refreshState);
    refreshState();
    resize(560, 520);
}

QWidget* NewRunDialog::fileRow(QLineEdit* edit, const QString& caption, bool folderAllowed, const QString& filter) {
    auto* row = new QWidget(this);
    auto* layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(edit, 1);
    auto* file = new QPushButton(tr("File…"), row);
    layout->addWidget(file);
    connect(file, &QPushButton::clicked, this, [this, edit, caption, filter] {
        const QString path = QFileDialog::getOpenFileName(this, caption, edit->text(), filter);
        if (!path.isEmpty()) edit->setText(path);
    });
    if (folderAllowed) {
        auto* folder = new QPushButton(tr("Folder…"), row);
        layout->addWidget(folder);
        connect(folder, &QPushButton::clicked, this, [this, edit, caption] {
            const QString path = QFileDialog::getExistingDirectory(this, caption, edit->text());
            if (!path.isEmpty()) edit->setText(path);
        });
    }
    return row;
}

void NewRunDialog::setKind(RunRequest::Kind kind) { tabs_->setCurrentIndex(kind == RunRequest::Kind::Craft ? 0 : 1); }

RunRequest NewRunDialog::request() const {
    RunRequest r;
    r.kind = tabs_->currentIndex() == 0 ? RunRequest::Kind::Craft : RunRequest::Kind::RecSae;
    r.projectPath = projectPath_;
    r.modelPath = model_->text().trimmed();
    r.adapter = adapter_->currentText().trimmed();
    r.imagesPath = images_->text().trimmed();
    r.classSpec = class_->text().trimmed();
    r.layer = layer_->text().trimmed();
    r.concepts = concepts_->value();
    r.patchSize = patchSize_->value();
    r.sobolDesigns = sobol_->value();
    r.recursiveLayers = recursive_->text().trimmed();
    r.maxImages = maxImages_->value();
    r.interactionsPath = interactions_->text().trimmed();
    r.format = format_->currentText();
    r.itemMetaPath = itemMeta_->text().trimmed();
    r.expansion = expansion_->value();
    r.k = k_->value();
    r.epochs = epochs_->value();
    r.seed = seed_->value();
    return r;
}

QString NewRunDialog::validate() const {
    const RunRequest r = request();
    auto missingFile = [](const QString& path, const QString& what) -> QString {
        if (path.isEmpty()) return tr("Choose %1.").arg(what);
        if (!QFileInfo::exists(path)) return tr("%1: no such file or folder (%2)").arg(path, what);
        return {};
    };
    if (QString p = missingFile(r.modelPath, tr("a model")); !p.isEmpty()) return p;
    if (QFileInfo(r.modelPath).isDir()) return tr("%1: is a folder, not a model file").arg(r.modelPath);
    if (r.kind == RunRequest::Kind::Craft) {
        if (QString p = missingFile(r.imagesPath, tr("the images")); !p.isEmpty()) return p;
        if (r.classSpec.isEmpty()) return tr("Name the class to explain.");
        if (r.layer.isEmpty()) return tr("Name the layer (probe point) to split the model at.");
    } else {
        if (QString p = missingFile(r.interactionsPath, tr("an interaction log")); !p.isEmpty()) return p;
        if (!r.itemMetaPath.isEmpty() && !QFileInfo::exists(r.itemMetaPath))
            return tr("%1: no such file (item metadata)").arg(r.itemMetaPath);
    }
    return {};
}

void NewRunDialog::refreshState() {
    const QString problem = validate();
    buttons_->button(QDialogButtonBox::Ok)->setEnabled(problem.isEmpty());
    // Say what is missing only once the user has typed something: an empty form is not an error.
    const bool started = !model_->text().isEmpty() || !images_->text().isEmpty() || !interactions_->text().isEmpty();
    problem_->setText(started ? problem : QString());
}

void NewRunDialog::accept() {
    const QString problem = validate();
    if (!problem.isEmpty()) {
        problem_->setText(problem);
        return;
    }
    QDialog::accept();
}

QString NewRunDialog::acceptDroppedPath(const QString& path) {
    const QFileInfo info(path);
    const QString suffix = info.suffix().toLower();
    if (suffix == QLatin1String("pt") || suffix == QLatin1String("pth") || suffix == QLatin1String("ptl")) {
        model_->setText(info.absoluteFilePath());
        return QStringLiteral("model");
    }
    if (info.isDir() || suffix == QLatin1String("gz") || suffix == QLatin1String("idx") || path.endsWith(QLatin1String("-ubyte"))) {
        images_->setText(info.absoluteFilePath());
        setKind(RunRequest::Kind::Craft);
        return QStringLiteral("images");
    }
    if (suffix == QLatin1String("tsv") || info.fileName().contains(QLatin1String("meta"), Qt::CaseInsensitive)) {
        itemMeta_->setText(info.absoluteFilePath());
        setKind(RunRequest::Kind::RecSae);
        return QStringLiteral("item-meta");
    }
    if (looksLikeInteractions(info) || suffix == QLatin1String("txt")) {
        interactions_->setText(info.absoluteFilePath());
        setKind(RunRequest::Kind::RecSae);
        return QStringLiteral("interactions");
    }
    return {};
}

void NewRunDialog::dragEnterEvent(QDragEnterEvent* event) {
    if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void NewRunDialog::dropEvent(QDropEvent* event) {
    QStringList unknown;
    for (const QUrl& url : event->mimeData()->urls())
        if (url.isLocalFile() && acceptDroppedPath(url.toLocalFile()).isEmpty()) unknown << url.toLocalFile();
    if (!unknown.isEmpty()) problem_->setText(tr("Not recognised (drop a .pt model, an image folder or IDX file, or an interaction log): %1")
                                                  .arg(unknown.join(QStringLiteral(", "))));
    event->acceptProposedAction();
}

}  // namespace cs::ui
