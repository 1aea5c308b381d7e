/**
 * Scores alerts against labelled traffic (`npm run eval:fraud`): per rule and overall, at incident
 * and at customer level.
 *
 * - An alert is TRUE when it points at a transaction of an incident, or its evidence names one
 *   (a distant-cities alert on the customer's own purchase, made impossible by a fraudulent
 *   transaction elsewhere just before it); FALSE otherwise.
 * - An incident is DETECTED when any alert points at one of its transactions.
 * - A customer is FLAGGED with any alert; a FRAUD customer has an incident.
 */
import type { FraudAlertEvent, FraudRule } from '@nurt/contracts';
import type { CustomerTransaction, Incident, IncidentKind } from '@nurt/transactions';

/** The rule meant to catch each kind of incident. */
export const RULE_OF: Readonly<Record<IncidentKind, FraudRule>> = {
  velocity: 'velocity',
  travel: 'distant-cities',
  amount: 'amount-zscore',
  refund: 'refund-without-purchase',
};

export type ScoredAlert = Pick<
  FraudAlertEvent,
  'id' | 'customerId' | 'transactionId' | 'rule' | 'occurredAt' | 'evidence'
> & {
  /** When the app stored it (wall time), for the processing delay. */
  readonly detectedAt?: string;
};

export interface RuleScore {
  readonly rule: FraudRule;
  readonly alerts: number;
  readonly truePositives: number;
  readonly falsePositives: number;
  /** Incidents of the rule's kind it caught, of how many. */
  readonly caught: number;
  readonly incidents: number;
}

export interface Confusion {
  readonly truePositives: number;
  readonly falsePositives: number;
  readonly falseNegatives: number;
  /** Customer level only: honest customers not flagged. */
  readonly trueNegatives?: number;
  readonly precision: number;
  readonly recall: number;
}

export interface FraudScore {
  readonly transactions: number;
  readonly honestTransactions: number;
  readonly rules: readonly RuleScore[];
  /** Alerts as the unit for precision, incidents for recall. */
  readonly incidents: Confusion;
  readonly customers: Confusion;
  readonly falseAlertsPer1000Honest: number;
  /** Event time from an incident's first transaction to the one the first alert points at, seconds, per detected incident. */
  readonly eventDelaysS: readonly number[];
  /** The incidents no alert pointed at. */
  readonly missed: readonly Incident[];
  /** The false alerts. */
  readonly falseAlerts: readonly ScoredAlert[];
}

const ratio = (a: number, b: number): number => (b === 0 ? 1 : a / b);

export function scoreAlerts(
  transactions: readonly CustomerTransaction[],
  incidents: readonly Incident[],
  customers: readonly string[],
  alerts: readonly ScoredAlert[],
): FraudScore {
  const incidentOf = new Map<string, Incident>();
  for (const i of incidents) for (const t of i.transactionIds) incidentOf.set(t, i);
  const occurred = new Map(transactions.map((t) => [t.id, Date.parse(t.occurredAt)]));

  const incidentOfAlert = (a: ScoredAlert): Incident | undefined =>
    incidentOf.get(a.transactionId) ??
    (typeof a.evidence.otherTransactionId === 'string' ? incidentOf.get(a.evidence.otherTransactionId) : undefined);
  const falseAlerts = alerts.filter((a) => !incidentOfAlert(a));
  const firstAlert = new Map<string, ScoredAlert>();
  for (const a of alerts) {
    const incident = incidentOfAlert(a);
    if (!incident) continue;
    const seen = firstAlert.get(incident.id);
    if (!seen || Date.parse(a.occurredAt) < Date.parse(seen.occurredAt)) firstAlert.set(incident.id, a);
  }
  const missed = incidents.filter((i) => !firstAlert.has(i.id));

  const rules: RuleScore[] = Object.entries(RULE_OF).map(([kind, rule]) => {
    const own = alerts.filter((a) => a.rule === rule);
    const ofKind = incidents.filter((i) => i.kind === kind);
    return {
      rule,
      alerts: own.length,
      truePositives: own.filter((a) => incidentOfAlert(a)).length,
      falsePositives: own.filter((a) => !incidentOfAlert(a)).length,
      caught: ofKind.filter((i) => own.some((a) => incidentOfAlert(a) === i)).length,
      incidents: ofKind.length,
    };
  });

  const fraudCustomers = new Set(incidents.map((i) => i.customerId));
  const flagged = new Set(alerts.map((a) => a.customerId));
  const tpCustomers = [...flagged].filter((c) => fraudCustomers.has(c)).length;
  const fpCustomers = flagged.size - tpCustomers;
  const fnCustomers = fraudCustomers.size - tpCustomers;
  const honestTransactions = transactions.filter((t) => !incidentOf.has(t.id)).length;
  const truePositives = alerts.length - falseAlerts.length;

  return {
    transactions: transactions.length,
    honestTransactions,
    rules,
    incidents: {
      truePositives,
      falsePositives: falseAlerts.length,
      falseNegatives: missed.length,
      precision: ratio(truePositives, alerts.length),
      recall: ratio(incidents.length - missed.length, incidents.length),
    },
    customers: {
      truePositives: tpCustomers,
      falsePositives: fpCustomers,
      falseNegatives: fnCustomers,
      trueNegatives: customers.length - fraudCustomers.size - fpCustomers,
      precision: ratio(tpCustomers, flagged.size),
      recall: ratio(tpCustomers, fraudCustomers.size),
    },
    falseAlertsPer1000Honest: (falseAlerts.length / Math.max(1, honestTransactions)) * 1000,
    eventDelaysS: incidents
      .filter((i) => firstAlert.has(i.id))
      .map(
        (i) => Math.max(0, (occurred.get(firstAlert.get(i.id)?.transactionId ?? '') ?? i.startsAt) - i.startsAt) / 1000,
      ),
    missed,
    falseAlerts,
  };
}

/** The value at quantile q (0..1) of `values`, nearest rank; NaN for none. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}
