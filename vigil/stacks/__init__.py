"""The stacks a vigil app instantiates: one routing stack and one stack per service, per environment."""
