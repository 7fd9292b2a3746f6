#include <cblas.h>
/* mallopt(): keep large freed blocks for reuse between training steps (Tensor.swift). */
#include <malloc.h>
