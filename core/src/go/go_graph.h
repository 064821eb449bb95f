/*
 * Private to the Go heap's graph builder (go_graph.c) and its type
 * propagation (go_types.c): the runtime layout they read and the builder's
 * state.
 */
#ifndef HC_GO_GRAPH_H
#define HC_GO_GRAPH_H

#include <pthread.h>

#include "go/go_layout.h"
#include "graph/build.h"

#define NONE UINT32_MAX

/* abi.Type.TFlag bits (internal/abi/type.go). */
#define TFLAG_EXTRA_STAR 2
#define TFLAG_GCMASK_ON_DEMAND 16 /* Go 1.24+ */
#define TFLAG_UNROLLED_BITMAP 16  /* Go 1.22-1.23: a GC program's unrolled dummy type */
#define TFLAG_DIRECT_IFACE 32 /* Go 1.26+ */
/* abi.Type.Kind_ bits of Go 1.22-1.25 (KindDirectIface, KindGCProg up to 1.23). */
#define KIND_DIRECT_IFACE 32
#define KIND_GCPROG 64
/* abi.Kind: the kind in Kind_'s low bits, and a pointer's. */
#define KIND_MASK 31
#define KIND_POINTER 22

struct graph_layout {
	struct gf t_size, t_ptrbytes, t_tflag, t_kind, t_gcdata, t_str;
	uint64_t t_sizeof;
	struct gf s_largeType;
	uint64_t moduledata;
	struct gf md_data, md_edata, md_bss, md_ebss,
		md_gcdata_n, md_gcdata_bytes, md_gcbss_n, md_gcbss_bytes;
	/* moduledata.types: the base of type descriptors' name offsets and of
	 * DWARF's DW_AT_go_runtime_type (0 when unreadable). */
	uint64_t types;
	uint64_t allgs;
	struct gf g_lo, g_hi, g_sp, g_pc, g_syscallsp, g_syscallpc, g_status, g_goid, g_m, g_waitreason;
	struct gf m_procid;
	uint64_t waitreasons, nwaitreasons;
	bool kind_gcprog;
	/* Specials and the finalizer and cleanup queues (all optional). */
	struct gf s_specials, sp_next, sp_offset, sp_kind, spf_fn, spc_fn, spw_handle;
	int64_t kind_finalizer, kind_cleanup, kind_weak;
	uint64_t allfin, finalizer_size, cleanups_all, cleanupfn_size;
	struct gf fb_alllink, fb_cnt, fb_fin, cb_alllink, cb_n, cb_cleanups;
	/* The kinds' descriptors past abi.Type (internal/abi/type.go), to
	 * lay out a type DWARF does not describe (all optional). */
	struct gf pt_elem, sl_elem, ar_elem, ar_len, ch_elem, st_fields, st_nfields,
		sf_typ, sf_offset, it_nmethods;
	uint64_t sf_sizeof;
};

/* A runtime type: its decoded pointer mask and names, cached per descriptor. */
struct type_mask {
	uint64_t rtype;
	uint64_t size, ptrwords;
	uint8_t *bits;   /* NULL: scan conservatively */
	uint32_t type_id;      /* the type itself; NONE for a GC program's unnamed
				* dummy type (Go 1.22-1.23), whose objects stay untyped */
	uint32_t array_type_id; /* "[]T": arrays and slices allocate with the element type */
	const char *name;      /* owned by the type table */
	bool direct_iface;     /* an interface holds the value itself, not a pointer to it */
};

/* A stack word whose variable DWARF names: what it points to has a static type. */
struct gb_stack_seed {
	uint64_t addr;  /* the word */
	uint64_t type;  /* the variable's DWARF type (DIE offset) */
	uint64_t off;   /* the word's offset in the variable */
};

struct builder {
	struct hc_graph_builder gb; /* first: the generic builder's state (graph/build.h) */
	struct hc_program *prog;
	struct hc_go *go;
	struct hc_graph *g;         /* gb.g */
	struct graph_layout L;
	struct type_mask **masks;
	size_t nmasks, cap_masks;
	struct hc_u64map mask_index; /* rtype -> its struct type_mask, 0 if it does not decode */
	pthread_mutex_t lock;        /* masks and types, while objects are scanned in parallel */
	uint64_t max_object;   /* the largest object slot: no real type's pointers exceed it */
	uint64_t stack_budget; /* stack bytes left to scan: at most the stack spans' bytes */
	struct gb_stack_seed *stack_seeds;
	size_t nstack_seeds, cap_stack_seeds;
	bool type_oom;           /* a type could not be decoded or named for want of memory */
	bool unnamed_conservative; /* a GC program's dummy type without a mask: untyped objects scanned conservatively */
	struct gb_missing {      /* objects whose bytes the core lacks: one warning for all */
		uint64_t count, bytes;
		uint64_t first[3]; /* the lowest addresses, 0 past count */
	} missing;
};

/** Append a type named @p name (taken over) to the graph's table; NONE when out of memory. */
uint32_t gb_add_type(struct builder *b, uint64_t rtype, char *name);
/** The runtime type at @p rtype, decoded and cached; NULL if unreadable. */
struct type_mask *gb_type_mask(struct builder *b, uint64_t rtype);
/**
 * Give untyped objects the static types that typed pointers to them imply,
 * from DWARF: globals' types, then the fields of typed objects, transitively.
 * It touches only the builder, the types and g->type (and reads the rest), so
 * it may run beside hc_graph_dominators().
 */
void gb_propagate_types(struct builder *b, bool report_progress);

#endif /* HC_GO_GRAPH_H */
