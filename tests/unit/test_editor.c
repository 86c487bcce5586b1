#include <criterion/criterion.h>

Test(editor, placeholder) { cr_assert(1); }
