-- Operational controls state (being built).
SELECT 1;
