"""Publishing: the output folder swapped in whole, its standby and its manifests."""
