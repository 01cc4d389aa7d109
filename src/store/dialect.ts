/** The two SQL dialects the store speaks; migrations and hand-written statements branch on it. */
export type Dialect = 'sqlite' | 'postgres';
