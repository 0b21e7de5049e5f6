"""Geography for Lifeline: region registry, display boundaries, coordinate systems.

This package is deliberately UI-free (it must never import streamlit) so that
data loaders, tests and batch jobs can use it without a running dashboard.

Modules
-------
config      : province and cache-directory settings read from the environment
names       : text normalisation and administrative-suffix stripping
regions     : `RegionRegistry` (adcode <-> names, roll-up to prefecture)
boundaries  : simplified, topology-preserving GeoJSON for maps
coords      : WGS-84 / GCJ-02 / BD-09 conversions
"""
