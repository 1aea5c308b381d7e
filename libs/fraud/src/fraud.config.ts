import { Expose } from 'class-transformer';
import { IsInt, IsNumber, Max, Min } from 'class-validator';
import { loadConfig, ToNumber, type Env } from '@nurt/config';

/** The thresholds of the fraud rules; the defaults are what a risk analyst would start from. */
export class FraudEnv {
  /**
   * How unusual an amount must be to raise an alert: robust z-score of its logarithm against the
   * customer's earlier amounts of the same type (median and MAD of the log-amounts).
   */
  @Expose()
  @ToNumber()
  @IsNumber()
  @Min(1)
  @Max(100)
  FRAUD_AMOUNT_THRESHOLD = 4.5;

  /** ... and how many times the customer's usual (median) amount it must also be. */
  @Expose()
  @ToNumber()
  @IsNumber()
  @Min(1)
  @Max(1000)
  FRAUD_AMOUNT_MIN_RATIO = 5;

  /** Earlier amounts of the same type a customer needs before their "usual" amount means anything. */
  @Expose()
  @ToNumber()
  @IsInt()
  @Min(3)
  @Max(1000)
  FRAUD_AMOUNT_MIN_HISTORY = 6;

  /** The newest this many earlier amounts of the same type make the customer's usual amount. */
  @Expose()
  @ToNumber()
  @IsInt()
  @Min(3)
  @Max(1000)
  FRAUD_AMOUNT_HISTORY = 50;

  /** More than this many transactions of one customer within FRAUD_VELOCITY_WINDOW_S raise an alert. */
  @Expose()
  @ToNumber()
  @IsInt()
  @Min(1)
  FRAUD_VELOCITY_MAX = 5;

  @Expose()
  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(86_400)
  FRAUD_VELOCITY_WINDOW_S = 60;

  /** Two stores at least this far apart (km) ... */
  @Expose()
  @ToNumber()
  @IsNumber()
  @Min(1)
  FRAUD_TRAVEL_MIN_KM = 100;

  /** ... visited by one customer faster than this (km/h) raise an alert. */
  @Expose()
  @ToNumber()
  @IsNumber()
  @Min(1)
  FRAUD_TRAVEL_MAX_KMH = 300;

  /** A refund must follow a purchase of at least its amount at the same store within this many days. */
  @Expose()
  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(3650)
  FRAUD_REFUND_LOOKBACK_DAYS = 90;

  /**
   * How late a transaction may arrive and still be judged in event-time order with the others
   * (seconds): each one is judged once it has been recorded this long, and once no partition that
   * is still being read is less than this far past it in event time. Alerts wait this long.
   */
  @Expose()
  @ToNumber()
  @IsNumber()
  @Min(0)
  @Max(3600)
  FRAUD_LATENESS_S = 3;
}

export function loadFraudEnv(env?: Env): FraudEnv {
  return loadConfig(FraudEnv, env);
}
