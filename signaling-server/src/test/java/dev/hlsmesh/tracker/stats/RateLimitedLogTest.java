package dev.hlsmesh.tracker.stats;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.hlsmesh.testsupport.ManualClock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class RateLimitedLogTest {
  private final Logger logger = (Logger) LoggerFactory.getLogger("test.rate-limited");
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private final ManualClock clock = new ManualClock();

  @BeforeEach
  void attach() {
    appender.start();
    logger.addAppender(appender);
    logger.setLevel(Level.WARN);
    logger.setAdditive(false);
  }

  @AfterEach
  void detach() {
    logger.detachAppender(appender);
  }

  @Test
  void atMostNLinesPerSecondThenASummaryOfTheSuppressedOnes() {
    RateLimitedLog log = new RateLimitedLog(logger, clock, 3);

    for (int i = 0; i < 10; i++) {
      log.warn("invalid message", "/10.0.0.1:5000", "bad " + i);
    }
    assertThat(appender.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
        "invalid message from /10.0.0.1:5000: bad 0",
        "invalid message from /10.0.0.1:5000: bad 1",
        "invalid message from /10.0.0.1:5000: bad 2");

    clock.advance(Duration.ofSeconds(1));
    log.warn("invalid message", "/10.0.0.2:5000", "later");

    assertThat(appender.list).extracting(ILoggingEvent::getFormattedMessage).endsWith(
        "7 similar warnings suppressed in the last second(s)",
        "invalid message from /10.0.0.2:5000: later");
    assertThat(appender.list).allSatisfy(e -> assertThat(e.getLevel()).isEqualTo(Level.WARN));
  }
}
