#pragma once
// LayerTree: the layers of a vision model as a tree of dotted paths, each with its output shape,
// as the engine finds them (`concept-studio-cli layers --json`, docs/models.md "Any model, no
// wrapper"). The engine runs as a child process, so a slow probe of a large model never freezes
// the dialog and a model that crashes LibTorch cannot take the studio with it. Layers where a cut
// works are marked; the others are greyed and say why not. Typing filters; choosing a layer where
// a cut works emits layerChosen.
#include <QByteArray>
#include <QHash>
#include <QString>
#include <QWidget>

class QLabel;
class QLineEdit;
class QProcess;
class QTreeWidget;
class QTreeWidgetItem;

namespace cs::ui {

class LayerTree : public QWidget {
    Q_OBJECT
public:
    explicit LayerTree(QWidget* parent = nullptr);
    ~LayerTree() override;

    // Lists the layers of `modelPath` in the background; inputSize is "C,H,W" or empty (the
    // model's own, else 3,224,224). A load still running is abandoned.
    void load(const QString& modelPath, const QString& inputSize);
    // Fills the tree from the engine's JSON ([{"name", "shape", "cuttable", "reason"}, ...]);
    // false (and the problem in the status line) when the text is not that.
    bool setLayersJson(const QByteArray& json);
    void clear();
    // Marks the layer named `name` as the current one, if the tree lists it.
    void selectLayer(const QString& name);

    bool isLoading() const;
    QString statusText() const;
    QTreeWidget* tree() const { return tree_; }
    QLineEdit* filterEdit() const { return filter_; }

signals:
    void layerChosen(const QString& name);
    void finished();  // a load ended, with layers or with a problem in the status line

private:
    void onProcessFinished();
    void applyFilter();
    QTreeWidgetItem* itemFor(const QString& dottedPath);

    QLineEdit* filter_;
    QTreeWidget* tree_;
    QLabel* status_;
    QHash<QString, QTreeWidgetItem*> itemsByPath_;  // every row by its full dotted path
    QProcess* process_ = nullptr;
    QString jsonPath_;
    QString modelPath_;
};

}  // namespace cs::ui
