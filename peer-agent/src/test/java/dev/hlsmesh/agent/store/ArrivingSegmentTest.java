package dev.hlsmesh.agent.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ArrivingSegmentTest {

  private static ByteBuffer bytes(int... values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      b[i] = (byte) values[i];
    }
    return ByteBuffer.wrap(b);
  }

  private static byte[] read(ByteBuffer buffer) {
    byte[] b = new byte[buffer.remaining()];
    buffer.get(b);
    return b;
  }

  @Test
  void growsToItsAnnouncedSizeAndIsReadableFromAnyOffsetWhileArriving() {
    ArrivingSegment segment = new ArrivingSegment(100);
    assertThat(segment.totalBytes()).isEqualTo(-1);
    segment.size(5);
    segment.append(bytes(1, 2, 3));
    assertThat(segment.availableBytes()).isEqualTo(3);
    assertThat(read(segment.readable(1))).containsExactly(2, 3);
    assertThat(segment.readable(3).hasRemaining()).isFalse();
    assertThat(segment.readable(0).isReadOnly()).isTrue();
    segment.append(bytes(4, 5));
    segment.complete();
    assertThat(segment.state()).isEqualTo(ArrivingSegment.State.COMPLETE);
    assertThat(segment.copyOfAvailable()).containsExactly(1, 2, 3, 4, 5);
  }

  @Test
  void failsOnBytesBeyondItsSizeOrBeforeItOrOnASizeAboveTheBoundOrWhenCompletedShort() {
    ArrivingSegment overflow = new ArrivingSegment(100);
    overflow.size(2);
    overflow.append(bytes(1, 2, 3));
    assertThat(overflow.state()).isEqualTo(ArrivingSegment.State.FAILED);

    ArrivingSegment unsized = new ArrivingSegment(100);
    unsized.append(bytes(1));
    assertThat(unsized.state()).isEqualTo(ArrivingSegment.State.FAILED);

    ArrivingSegment huge = new ArrivingSegment(100);
    huge.size(101);
    assertThat(huge.state()).isEqualTo(ArrivingSegment.State.FAILED);

    ArrivingSegment shortOne = new ArrivingSegment(100);
    shortOne.size(3);
    shortOne.append(bytes(1));
    shortOne.complete();
    assertThat(shortOne.state()).isEqualTo(ArrivingSegment.State.FAILED);
    assertThat(shortOne.copyOfAvailable()).as("the bytes so far stay readable").containsExactly(1);
  }

  @Test
  void wakesAWaiterOnceAtTheNextChangeOrAtOnceWhenThereIsSomethingNewAlready() {
    ArrivingSegment segment = new ArrivingSegment(100);
    List<String> woken = new ArrayList<>();
    segment.whenBeyond(0, false, () -> woken.add("size"));
    segment.size(4);
    assertThat(woken).containsExactly("size");
    segment.whenBeyond(0, false, () -> woken.add("size known already"));
    assertThat(woken).endsWith("size known already");
    segment.whenBeyond(0, true, () -> woken.add("bytes"));
    assertThat(woken).as("nothing new for it yet").hasSize(2);
    segment.append(bytes(1));
    assertThat(woken).endsWith("bytes");
    segment.append(bytes(2));
    assertThat(woken).as("once only").hasSize(3);
    segment.whenBeyond(1, true, () -> woken.add("already"));
    assertThat(woken).endsWith("already");
    segment.whenBeyond(2, true, () -> woken.add("end"));
    segment.fail();
    assertThat(woken).endsWith("end");
    segment.whenBeyond(2, true, () -> woken.add("ended already"));
    assertThat(woken).endsWith("ended already");
  }
}
