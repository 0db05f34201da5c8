#pragma once
// RunOverview: the project dashboard, then the selected run's record. The dashboard lists every
// run, newest first, with its model, data, status, headline figures (results/run_headlines.h),
// its top concepts' best crops (CRAFT) or its most confident latents' labels and tags (RecSAE),
// and links into its views. Below it, the selected run as stored: times, parameters, summary,
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
    QTextBrowser* browser() const { return text_; }

signals:
    // A link of the dashboard: show this run in this view (overview, atlas, hierarchy, sae, ...).
    void viewRequested(qint64 runId, const QString& view);

private:
    QString dashboardHtml();
    QString runDetailsHtml(qint64 runId);

    ProjectSession* session_;
    ConceptSelection* selection_;
    QTextBrowser* text_;
};

}  // namespace cs::ui
