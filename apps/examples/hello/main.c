/* hello: the smallest app -- prints one line through the console driver and
 * exits with completion code 0. */
#include <stdio.h>

int main(void)
{
    printf("Hello, World!\n");
    return 0;
}
