#include "patron/dash_campaigns.h"

void pt_dash_campaigns(struct pt_dash *dash)
{
    pt_dash_error(dash, 404, "This page is not built yet.");
}
