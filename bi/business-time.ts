/**
 * The time zone business dates and times are read in (ARCHITECTURE.md: "Business dates are in one
 * configured time zone (default America/Sao_Paulo)"; Olist's own timestamps are São Paulo wall-clock
 * time). BI outputs show timestamps in it.
 */
export const BUSINESS_TIME_ZONE = 'America/Sao_Paulo';
