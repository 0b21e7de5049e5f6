"""Reading what hubs have (files, formats, column mappings), checking it, matching names,
and importing it into the store."""
