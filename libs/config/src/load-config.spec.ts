import { Expose } from 'class-transformer';
import { IsBoolean, IsInt, IsString, Max, Min } from 'class-validator';
import { ConfigError, loadConfig } from './load-config.js';
import { ToBoolean, ToList, ToNumber } from './transforms.js';

class SampleEnv {
  @Expose()
  @ToNumber()
  @IsInt()
  @Min(1)
  @Max(65535)
  PORT = 3000;

  @Expose()
  @ToBoolean()
  @IsBoolean()
  FLAG = false;

  @Expose()
  @ToList()
  @IsString({ each: true })
  HOSTS: string[] = ['a'];
}

describe('loadConfig', () => {
  it('applies defaults when variables are unset or blank', () => {
    expect(loadConfig(SampleEnv, { PORT: '  ', UNRELATED: 'x' })).toEqual(Object.assign(new SampleEnv(), {}));
  });

  it('converts numbers, booleans and lists', () => {
    const config = loadConfig(SampleEnv, { PORT: '8080', FLAG: 'yes', HOSTS: 'h1:1, h2:2,' });
    expect(config).toMatchObject({ PORT: 8080, FLAG: true, HOSTS: ['h1:1', 'h2:2'] });
  });

  it('names every bad variable with the value it got', () => {
    expect(() => loadConfig(SampleEnv, { PORT: 'eighty', FLAG: 'maybe' })).toThrow(ConfigError);
    try {
      loadConfig(SampleEnv, { PORT: '70000', FLAG: 'maybe' });
    } catch (err) {
      const problems = (err as ConfigError).problems;
      expect(problems).toHaveLength(2);
      expect(problems[0]).toMatch(/^PORT: .*greater than 65535 \(got "70000"\)$/);
      expect(problems[1]).toMatch(/^FLAG: .*boolean.* \(got "maybe"\)$/);
    }
  });
});
