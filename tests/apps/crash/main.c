/* crash: prints its argument, then writes through a null pointer. */
#include <stdio.h>

int main(int argc, char **argv)
{
    printf("crash %s\n", argc > 1 ? argv[1] : "now");
    volatile int *p = (volatile int *)0;
    *p = 42;
    return 0;
}
