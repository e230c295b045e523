/** procscope's version, in a module of its own so faces can name it without loading main(). */
export const VERSION = "0.1.0";
