package org.tlbscript.kernels;

/** A routine's parameter or local variable: a slot in its frame. */
public record Local(String name, int slot) {}
