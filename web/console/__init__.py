"""The department console (``admin_departemental``): members, territories, resources, audit."""
