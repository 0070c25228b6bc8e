/**
 * The sources' numbers (worked examples, figure parameters, bifurcation points, task criteria), kept once in
 * data/sources/ with their citations, so that notebooks show them beside what the library computes and tests
 * check both against each other.
 */
import grosse from "../data/sources/grosse-2017.json";
import others from "../data/sources/others.json";
import pascanu from "../data/sources/pascanu-2013.json";

/** Grosse (2017), CSC321 Lecture 15: worked numbers and figure parameters. */
export const GROSSE_2017 = grosse;
/** Pascanu, Mikolov & Bengio (2013): conditions, figure parameters, the temporal-order task set-up. */
export const PASCANU_2013 = pascanu;
/** The other sources cited: Bengio et al. 1994, Le et al. 2015, d2l, Hochreiter & Schmidhuber 1997, … */
export const OTHER_SOURCES = others;
