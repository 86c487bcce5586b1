/* Linked with one layer's whole library and only the layers below it (see
 * meson.build): the link fails when the layer calls into a higher one. */
int main(void)
{
    return 0;
}
