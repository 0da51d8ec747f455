"""Cloud adapters: one subpackage per cloud, each implementing lbcontroller.provider.Provider."""
