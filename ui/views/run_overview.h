#pragma once
// RunOverview: the current run's record as stored: kind, status, times, parameters, summary,
// error, and how many concepts, crops, latents and artifacts it wrote.
#include <QWidget>

class QTextBrowser;

namespace cs::ui {

class ProjectSession;
class ConceptSelection;

class RunOverview : public QWidget {
    Q_OBJECT
public:
    RunOverview(ProjectSession* session, ConceptSelection* selection, QWidget* parent = nullptr);
    void reload();
    QString plainText() const;

private:
    ProjectSession* session_;
    ConceptSelection* selection_;
    QTextBrowser* text_;
};

}  // namespace cs::ui
