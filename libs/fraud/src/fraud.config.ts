import { Expose } from 'class-transformer';
import { IsInt, IsNumber, Max, Min } from 'class-validator';
import { loadConfig, ToNumber, type Env } from '@nurt/config';

/** The thresholds of the fraud rules; the defaults are what a risk analyst would start from. */
export class FraudEnv {
  /** Standard deviations above the customer's mean amount that raise an alert. */
  @Expose()
  @ToNumber()
  @IsNumber()
  @Min(1)
  @Max(100)
  FRAUD_ZSCORE_THRESHOLD = 4;

  /** Purchases/withdrawals a customer needs before their "usual" amount means anything. */
  @Expose()
  @ToNumber()
  @IsInt()
  @Min(2)
  FRAUD_ZSCORE_MIN_HISTORY = 5;

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
}

export function loadFraudEnv(env?: Env): FraudEnv {
  return loadConfig(FraudEnv, env);
}
