# The resource library arrives with its own issue; the app exists so the layout is complete.
