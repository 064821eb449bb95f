/* A small program whose DWARF has the shapes heapcore reads: structs with
 * pointers, nested arrays, typedefs, unions, function pointers, a
 * self-referencing list.  Built with -g into the fuzz_exe seed. */
#include <stdint.h>

typedef struct node {
	struct node *next;
	int64_t payload[5];
} node;

struct config {
	const char *name;
	node *items[4];
	struct {
		void *data;
		uint64_t len, cap;
	} slice;
	union {
		double d;
		void *p;
	} u;
	void (*fn)(void);
	node grid[3][2];
};

struct config cfg;
node *list;
static int64_t big[1024];

int main(void)
{
	return (int)(big[0] + (cfg.items[0] != 0) + (list != 0));
}
