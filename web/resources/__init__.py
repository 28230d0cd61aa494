"""The resource page ``/ressources/<id>`` and how a resource is shown everywhere."""
