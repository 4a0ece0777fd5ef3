#!/usr/bin/env bash
# test_swap.sh on the f103cb-move board: the swap moves the installed image
# up one page into the scratch page behind the app slot, then exchanges the
# slots (docs/DESIGN.md, "Swap by moving").
export SWAP_BOARD=f103cb-move SWAP_STAGE=0x08012000
exec bash "$(dirname "${BASH_SOURCE[0]}")/test_swap.sh"
