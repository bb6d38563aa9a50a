"""The scope catalogue DocSpace defines, and the endpoint that lists it."""
