#include "patron/dash_reports.h"

void pt_dash_reports(struct pt_dash *dash)
{
    pt_dash_error(dash, 404, "This page is not built yet.");
}
