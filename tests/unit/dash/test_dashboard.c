/* The dashboard's CSV cells: what a spreadsheet opens must be the data, never
 * a formula, and every cell must survive commas, quotes and line breaks. */
#include <criterion/criterion.h>

#include "patron/dashboard.h"

static void expect_cell(const char *text, const char *expected)
{
    struct pt_buf out;
    pt_buf_init(&out);
    pt_dash_csv_field(&out, text);
    cr_assert_str_eq(out.data ? out.data : "", expected, "cell for [%s]", text ? text : "(null)");
    pt_buf_dispose(&out);
}

Test(dashboard_csv, plain_text_and_numbers_stay_as_they_are)
{
    expect_cell("spring-2027", "spring-2027");
    expect_cell("1234", "1234");
    expect_cell("12.50", "12.50");
    expect_cell("-3", "-3");
    expect_cell("", "");
    expect_cell(NULL, "");
}

Test(dashboard_csv, separators_and_quotes_are_quoted)
{
    expect_cell("a,b", "\"a,b\"");
    expect_cell("say \"hi\"", "\"say \"\"hi\"\"\"");
    expect_cell("two\nlines", "\"two\nlines\"");
    expect_cell("cr\rhere", "\"cr\rhere\"");
}

Test(dashboard_csv, formulas_are_defused)
{
    expect_cell("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"");
    expect_cell("+1+1", "\"'+1+1\"");
    expect_cell("@SUM(A1)", "\"'@SUM(A1)\"");
    expect_cell("-A1", "\"'-A1\"");
    expect_cell("\tx", "\"'\tx\"");
    expect_cell("-1+cmd|'/Ccalc'!A0@x.org", "\"'-1+cmd|'/Ccalc'!A0@x.org\"");
    expect_cell("-12.5", "-12.5");
    expect_cell("-1.2.3", "\"'-1.2.3\"");
}
